// The decoders docs/formats.md gives clients must read what the Worker's
// encoder writes: the JavaScript one is taken from the page and run, over
// real HTTP, against a binary grid of payloads the trainer's codec rounded.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeBinary, encodeBinary } from "../../edge/binary-format.ts";
import { decodeStored } from "../../edge/contract/codec.ts";
import type { SeriesPayload } from "../../edge/contract/payload.ts";
import { encodeHorizons } from "../../trainer/publish/payloads.ts";

const docs = readFileSync(new URL("../../docs/formats.md", import.meta.url), "utf8");

function snippet(marker: string): string {
  const match = new RegExp(`<!-- decoder:${marker} -->\\s*\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(docs);
  if (!match) throw new Error(`docs/formats.md has no ${marker} decoder block`);
  return match[1]!;
}

/** A grid of series at very different scales, rounded by the trainer's own codec. */
async function grid(): Promise<{ version: string; origin: string; h: number; level: number; series: SeriesPayload[]; missing: string[] }> {
  const shapes = [[92, 12], [0.4, 0.9], [12_500, 800], [7, 0]];
  const series = await Promise.all(shapes.map(async ([level, width], s) => {
    const point = Array.from({ length: 60 }, (_, d) => level! * (1 + 0.3 * Math.sin((2 * Math.PI * d) / 7)) + d * 0.01);
    const encoded = await encodeHorizons({
      city: "c1", store: `c1-s${s}`, product: "p1", model: "prophet", mase: 0.8,
      point, lower: point.map((v, d) => Math.max(0, v - width! / 2 - (d % 3) * 0.013)), upper: point.map((v) => v + width! / 2),
    }, { version: "20261101T000000Z-docs", origin: "2026-10-31", level: 0.8 });
    return decodeStored<SeriesPayload>(encoded[30]);
  }));
  return { version: "20261101T000000Z-docs", origin: "2026-10-31", h: 30, level: 0.8, series, missing: ["c1/c1-s9/p1"] };
}

describe("binary decoders in docs/formats.md", () => {
  let server: Server;
  let base: string;
  let document: Awaited<ReturnType<typeof grid>>;
  beforeAll(async () => {
    document = await grid();
    const body = encodeBinary(document);
    server = createServer((_, res) => res.end(body));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("the JavaScript decoder reads every series' values as the JSON carries them", async () => {
    const run = new Function("base", `return (async () => { ${snippet("js")}; return { header, forecasts }; })();`) as
      (base: string) => Promise<{ header: { missing: string[] }; forecasts: (SeriesPayload & { step: number })[] }>;
    const { header, forecasts } = await run(base);
    expect(header.missing).toEqual(["c1/c1-s9/p1"]);
    expect(forecasts).toHaveLength(document.series.length);
    forecasts.forEach((decoded, i) => {
      const json = document.series[i]!;
      expect(decoded).toMatchObject({ city: json.city, store: json.store, product: json.product, model: json.model, step: json.step });
      for (const k of ["point", "lower", "upper"] as const) {
        // Up to the last bit of a float multiplication (docs: round to the step's decimals to print).
        decoded[k].forEach((v, d) => expect(v).toBeCloseTo(json[k][d]!, 9));
      }
    });
  });

  it("the reference decoder reads the same values exactly, and layout version 1 as float32", () => {
    const decoded = decodeBinary(encodeBinary(document));
    decoded.arrays.forEach((arrays, i) => {
      for (const k of ["point", "lower", "upper"] as const) expect(Array.from(arrays[k])).toEqual(document.series[i]![k]);
    });
    // Planned promotion days ride in the header entry, as in the JSON.
    const promoted = { ...document, series: document.series.map((s, i) => (i === 1 ? { ...s, promoDays: [2, 9] } : s)) };
    expect(decodeBinary(encodeBinary(promoted)).series.map((s) => s.promoDays)).toEqual([undefined, [2, 9], undefined, undefined]);
    const v1 = decodeBinary(encodeBinary(document, "v1"));
    expect(v1.series[0]).not.toHaveProperty("step");
    expect(Array.from(v1.arrays[2]!.upper)).toEqual(Array.from(Float32Array.from(document.series[2]!.upper)));
  });

  it("keeps the documented layout: magic, padded header, three int32 arrays per series", () => {
    const bytes = encodeBinary(document);
    const view = new DataView(bytes.buffer);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe("FCF2");
    const n = view.getUint32(4, true);
    expect((8 + n) % 4).toBe(0);
    expect(bytes.byteLength).toBe(8 + n + document.series.length * 3 * 30 * 4);
    // The slow seller's bounds sit below and above its point by whole steps.
    const s = 1;
    const step = document.series[s]!.step!;
    const at = (k: number, d: number) => view.getInt32(8 + n + ((s * 3 + k) * 30 + d) * 4, true);
    expect(at(0, 0) * step).toBeCloseTo(document.series[s]!.point[0]!, 9);
    expect(at(1, 0)).toBe(Math.round((document.series[s]!.point[0]! - document.series[s]!.lower[0]!) / step));
    expect(at(2, 0)).toBeGreaterThan(0);
  });
});
