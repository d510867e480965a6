// The decoders docs/formats.md gives clients must read what the Worker's
// encoders write: the JavaScript ones (JSON shape 2 and binary layout 3) are
// taken from the page and run, over real HTTP, against a grid of payloads the
// trainer's codec rounded and stored.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeBinary, encodeBinary, type StepGridEntry } from "../../edge/binary-format.ts";
import { decodeStored } from "../../edge/contract/codec.ts";
import type { SeriesPayload } from "../../edge/contract/payload.ts";
import { stepValues, type StepPayload } from "../../edge/contract/shape.ts";
import { encodeHorizons } from "../../trainer/publish/payloads.ts";

const docs = readFileSync(new URL("../../docs/formats.md", import.meta.url), "utf8");

function snippet(marker: string): string {
  const match = new RegExp(`<!-- decoder:${marker} -->\\s*\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(docs);
  if (!match) throw new Error(`docs/formats.md has no ${marker} decoder block`);
  return match[1]!;
}

type Grid = { version: string; origin: string; h: number; level: number; series: StepGridEntry[]; missing: string[] };

/** A grid of series at very different scales, rounded and stored by the trainer's own codec, as the Worker serves it (shape 2). */
async function grid(): Promise<Grid> {
  // The last one's point, 40,000 units in steps of 1, is beyond int16.
  const shapes = [[92, 12], [0.4, 0.9], [12_500, 800], [7, 0], [40_000, 50]];
  const series = await Promise.all(shapes.map(async ([level, width], s) => {
    const point = Array.from({ length: 60 }, (_, d) => level! * (1 + 0.3 * Math.sin((2 * Math.PI * d) / 7)) + d * 0.01);
    const encoded = await encodeHorizons({
      city: "c1", store: `c1-s${s}`, product: "p1", model: "prophet", mase: 0.8,
      point, lower: point.map((v, d) => Math.max(0, v - width! / 2 - (d % 3) * 0.013)), upper: point.map((v) => v + width! / 2),
    }, { version: "20261101T000000Z-docs", origin: "2026-10-31", level: 0.8 });
    return { city: "c1", store: `c1-s${s}`, product: "p1", ...(await decodeStored<StepPayload>(encoded[30])) };
  }));
  return { version: "20261101T000000Z-docs", origin: "2026-10-31", h: 30, level: 0.8, series, missing: ["c1/c1-s9/p1"] };
}

/** A grid entry's values, as shape 1 carries them. */
const valuesOf = (entry: StepGridEntry) => stepValues(entry);

describe("decoders in docs/formats.md", () => {
  let server: Server;
  let base: string;
  let document: Grid;
  beforeAll(async () => {
    document = await grid();
    const binary = encodeBinary(document);
    const json = JSON.stringify(document);
    server = createServer((req, res) => res.end(req.url?.includes("format=binary") ? binary : json));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const run = (marker: string) => (new Function("base", `return (async () => { ${snippet(marker)}; return { forecasts, header: typeof header === "undefined" ? null : header }; })();`) as
    (base: string) => Promise<{ header: { missing: string[]; bytes: number } | null; forecasts: (SeriesPayload & { step: number })[] }>)(base);

  it("the JSON decoder reads shape 2 into the values shape 1 carries, exactly", async () => {
    const { forecasts } = await run("json");
    expect(forecasts).toHaveLength(document.series.length);
    forecasts.forEach((decoded, i) => {
      const entry = document.series[i]!;
      expect(decoded).toMatchObject({ city: entry.city, store: entry.store, product: entry.product, model: entry.model });
      expect({ point: decoded.point, lower: decoded.lower, upper: decoded.upper }).toEqual(valuesOf(entry));
    });
  });

  it("the JavaScript binary decoder reads every series' values as the JSON carries them", async () => {
    const { header, forecasts } = await run("js");
    expect(header!.missing).toEqual(["c1/c1-s9/p1"]);
    expect(header!.bytes).toBe(4);
    expect(forecasts).toHaveLength(document.series.length);
    forecasts.forEach((decoded, i) => {
      const entry = document.series[i]!;
      expect(decoded).toMatchObject({ city: entry.city, store: entry.store, product: entry.product, model: entry.model, step: entry.step });
      const values = valuesOf(entry);
      for (const k of ["point", "lower", "upper"] as const) {
        // Up to the last bit of a float multiplication (docs: round to the step's decimals to print).
        decoded[k].forEach((v, d) => expect(v).toBeCloseTo(values[k][d]!, 9));
      }
    });
  });

  it("the reference decoder reads the same values exactly, in layouts 3, 2 and 1", () => {
    for (const layout of ["v3", "v2"] as const) {
      const decoded = decodeBinary(encodeBinary(document, layout));
      decoded.arrays.forEach((arrays, i) => {
        for (const k of ["point", "lower", "upper"] as const) expect(Array.from(arrays[k])).toEqual(valuesOf(document.series[i]!)[k]);
      });
    }
    // Planned promotion days ride in the header entry, as in the JSON.
    const promoted = { ...document, series: document.series.map((s, i) => (i === 1 ? { ...s, promoDays: [2, 9] } : s)) };
    expect(decodeBinary(encodeBinary(promoted)).series.map((s) => s.promoDays)).toEqual([undefined, [2, 9], undefined, undefined, undefined]);
    const v1 = decodeBinary(encodeBinary(document, "v1"));
    expect(v1.series[0]).not.toHaveProperty("step");
    expect(Array.from(v1.arrays[2]!.upper)).toEqual(Array.from(Float32Array.from(valuesOf(document.series[2]!).upper)));
  });

  it("keeps the documented layout: magic, padded header, three arrays of `bytes`-wide integers per series", () => {
    // Without the large seller every integer fits int16.
    const small = { ...document, series: document.series.filter((_, i) => i !== 4) };
    for (const [doc, width] of [[document, 4], [small, 2]] as const) {
      const bytes = encodeBinary(doc);
      const view = new DataView(bytes.buffer);
      expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe("FCF3");
      const n = view.getUint32(4, true);
      expect((8 + n) % 4).toBe(0);
      expect(JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))).bytes).toBe(width);
      expect(bytes.byteLength).toBe(8 + n + doc.series.length * 3 * 30 * width);
      // The slow seller's bounds sit below and above its point by whole steps.
      const entry = doc.series[1]!;
      const at = (k: number, d: number) => (width === 2 ? view.getInt16(8 + n + ((1 * 3 + k) * 30 + d) * 2, true) : view.getInt32(8 + n + ((1 * 3 + k) * 30 + d) * 4, true));
      expect(at(0, 0)).toBe(entry.point[0]);
      expect(at(1, 0)).toBe(entry.below[0]);
      expect(at(2, 0)).toBeGreaterThan(0);
    }
  });
});
