// A CSV stream as chunks of records, each with the line number it ends on.
// csv-parse is the reference, but asking it for line numbers (`info`) copies
// an info object per record, which was most of the import's parse time. Most
// sales files have no quotes at all, and then a line is a record and a split
// is its fields; so lines are split here until the first quote or stray
// carriage return, and from there on csv-parse reads the rest of the file
// (numbering from the lines already read), giving the same records either way.
// csv-parse learns the line ending from the first one it sees, so it is
// handed the header's line again first, and the header it gives back is dropped.
import { StringDecoder } from "node:string_decoder";
import type { Readable } from "node:stream";
import { parse } from "csv-parse";

export interface RecordChunk {
  records: string[][];
  /** The line each record ends on, counting from 1 (empty lines are counted and skipped). */
  lines: number[];
}

export async function* csvRecords(input: Readable, delimiter: string): AsyncGenerator<RecordChunk> {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  let line = 0;
  // Set by the first line's ending: a file ends its lines with \r\n or with \n throughout, or csv-parse reads it.
  let crlf: boolean | null = null;
  // The file up to the end of its first record's line, and how many lines that is.
  let prefix: { text: string; lines: number } | null = null;
  const iterator = input[Symbol.asyncIterator]();
  for (;;) {
    const next = await iterator.next();
    const text = next.done ? rest + decoder.end() : rest + decoder.write(next.value as Buffer);
    const end = next.done ? text.length : text.lastIndexOf("\n") + 1;
    const whole = text.slice(0, end);
    if (crlf === null && whole.length > 0) crlf = whole.indexOf("\n") > 0 && whole[whole.indexOf("\n") - 1] === "\r";
    if (whole.includes('"') || (crlf ? /\r(?!\n)|[^\r]\n|^\n/.test(whole) : whole.includes("\r"))) {
      yield* fromCsvParse(text, next.done ? null : input, iterator, delimiter, line, prefix);
      return;
    }
    rest = text.slice(end);
    if (whole.length === 0) {
      if (next.done) return;
      continue;
    }
    const before = line;
    const chunk = split(whole, delimiter, crlf === true, line, (n) => (line = n));
    if (prefix === null && chunk.records.length > 0) {
      let stop = -1;
      for (let n = before; n < chunk.lines[0]; n++) stop = whole.indexOf("\n", stop + 1);
      prefix = { text: stop < 0 ? whole : whole.slice(0, stop + 1), lines: chunk.lines[0] - before };
    }
    yield chunk;
    if (next.done) return;
  }
}

function split(text: string, delimiter: string, crlf: boolean, first: number, done: (line: number) => void): RecordChunk {
  const chunk: RecordChunk = { records: [], lines: [] };
  let line = first;
  let start = 0;
  while (start < text.length) {
    let stop = text.indexOf("\n", start);
    if (stop < 0) stop = text.length;
    line++;
    const row = text.slice(start, crlf && stop > start && text[stop - 1] === "\r" ? stop - 1 : stop);
    start = stop + 1;
    if (row === "") continue;
    chunk.records.push(row.split(delimiter));
    chunk.lines.push(line);
  }
  done(line);
  return chunk;
}

/** The rest of the file through csv-parse: `text` first (it starts on a line boundary), then what the input still holds. */
async function* fromCsvParse(text: string, input: Readable | null, iterator: AsyncIterator<unknown>, delimiter: string, linesBefore: number,
  prefix: { text: string; lines: number } | null): AsyncGenerator<RecordChunk> {
  const parser = parse({ info: true, skip_empty_lines: true, trim: false, delimiter, relax_column_count: true });
  let skip = prefix ? 1 : 0;
  const offset = linesBefore - (prefix?.lines ?? 0);
  text = (prefix?.text ?? "") + text;
  // Errors surface through the iterator below; without a listener they would also crash the process.
  parser.on("error", () => {});
  const feed = (async () => {
    if (!parser.write(text)) await new Promise((resolve) => parser.once("drain", resolve));
    if (input) {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        if (!parser.write(next.value)) await new Promise((resolve) => parser.once("drain", resolve));
      }
    }
    parser.end();
  })().catch((error) => parser.destroy(error));
  let chunk: RecordChunk = { records: [], lines: [] };
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    if (skip > 0) {
      skip--;
      continue;
    }
    chunk.records.push(record);
    chunk.lines.push(offset + info.lines);
    if (chunk.records.length >= 1000) {
      yield chunk;
      chunk = { records: [], lines: [] };
    }
  }
  await feed;
  if (chunk.records.length > 0) yield chunk;
}
