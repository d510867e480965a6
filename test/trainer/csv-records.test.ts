// records.ts splits plain lines itself and hands a file to csv-parse from the
// first quote or stray carriage return on: the records and line numbers must
// be csv-parse's own, however the input is cut into chunks.
import { Readable } from "node:stream";
import { parse } from "csv-parse";
import { describe, expect, it } from "vitest";
import { csvRecords } from "../../trainer/import/records.ts";

async function reference(text: string, delimiter = ","): Promise<{ record: string[]; line: number }[]> {
  const out: { record: string[]; line: number }[] = [];
  const parser = Readable.from([text]).pipe(parse({ info: true, skip_empty_lines: true, trim: false, delimiter, relax_column_count: true }));
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) out.push({ record, line: info.lines });
  return out;
}

async function split(text: string, chunkBytes: number, delimiter = ","): Promise<{ record: string[]; line: number }[]> {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkBytes) chunks.push(bytes.subarray(i, i + chunkBytes));
  const out: { record: string[]; line: number }[] = [];
  for await (const { records, lines } of csvRecords(Readable.from(chunks), delimiter)) {
    records.forEach((record, i) => out.push({ record, line: lines[i] }));
  }
  return out;
}

const files: Record<string, string> = {
  plain: "date,store,item,sales\n2017-01-01,1,1,13\n2017-01-02,1,1,11\n",
  "no final newline": "date,store,item,sales\n2017-01-01,1,1,13\n2017-01-02,1,1,11",
  "empty lines": "date,store,item,sales\n\n2017-01-01,1,1,13\n\n\n2017-01-02,1,1,11\n\n",
  "CRLF": "date,store,item,sales\r\n2017-01-01,1,1,13\r\n\r\n2017-01-02,1,1,11\r\n",
  "short and long rows": "a,b,c\n1,2\n1,2,3,4\n,,\n",
  "a quote late in the file": "date,store,item,sales\n2017-01-01,1,1,13\n2017-01-02,\"Store\nwith a newline\",1,11\n2017-01-03,1,1,\"1,5\"\n\n2017-01-04,1,1,9\n",
  "a stray CR": "date,store,item,sales\n2017-01-01,1,1,13\n2017-01-02,1,1,11\r\n2017-01-03,1,1,12\n",
  "non-ASCII": "date,store,item,sales\n2018-01-01,Oslo Sentrum,Kaffe Mørk,12.5\n2018-01-02,Ærø,Kaffe Mørk,9\n",
};

describe("csv records", () => {
  for (const [name, text] of Object.entries(files)) {
    it(`gives csv-parse's records and lines: ${name}`, async () => {
      const expected = await reference(text);
      expect(expected.length).toBeGreaterThan(1);
      for (const size of [1, 3, 7, 64, 1 << 16]) expect(await split(text, size)).toEqual(expected);
    });
  }

  it("takes another delimiter", async () => {
    const text = "Day;Shop;Sold\n2018-01-01;A;1\n2018-01-02;\"B;C\";2\n";
    expect(await split(text, 5, ";")).toEqual(await reference(text, ";"));
  });

  it("fails on bad CSV as csv-parse does", async () => {
    const text = "a,b\n1,2\n3,\"4\n";
    await expect(reference(text)).rejects.toMatchObject({ code: "CSV_QUOTE_NOT_CLOSED" });
    await expect(split(text, 4)).rejects.toMatchObject({ code: "CSV_QUOTE_NOT_CLOSED" });
  });
});
