// Bytes per series-day on the wire, gzipped, for the JSON and the binary
// representations in both JSON shapes (the default and FORECAST_SHAPE=v1,
// the rollback, in the same run), on the demo's own fitted forecasts: the demo grid (5 × 5 × 5
// series, 730 days of seeded sales) is trained by the real cycle (model
// selection by backtest, the fast variant) and published to a scratch store;
// then one series and the whole grid are encoded exactly as the Worker serves
// them: built on a miss, and as the trainer published it with the version (a
// miss passes that through). Also reports how far the published precision
// moves a value, as a share of its interval's width, and the CPU time the
// Worker's own code spends building each body on a miss (V8 and native zlib
// in Node, as in workerd; docs/deploy.md sets it against the plans' limits).
// About a minute on 2 cores.
//   DATABASE_URL=… npx tsx bench/edge/format-bytes.ts   (without DATABASE_URL: embedded PGlite)
//   FORMAT_DUMP=/tmp/payloads.json also writes the payloads, in shape 1.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { brotliCompressSync, constants, gunzipSync } from "node:zlib";
import { binaryGzip, binaryTag } from "../../edge/binary-format.ts";
import { fromBase64 } from "../../edge/contract/codec.ts";
import { fieldIdentity, gridEntryText, shapedSeries, shapePath } from "../../edge/contract/shape.ts";
import { HORIZONS, keys, seriesField } from "../../edge/contract/keys.ts";
import { hashEntries } from "../../edge/contract/replies.ts";
import type { Manifest, SeriesPayload } from "../../edge/contract/payload.ts";
import { gridBody } from "../../edge/contract/grid-body.ts";
import { canonicalGridQuery, gridCachePath } from "../../edge/contract/grid.ts";
import { loadConfig } from "../../trainer/config.ts";
import { connect } from "../../trainer/db/connect.ts";
import { migrate } from "../../trainer/db/migrate.ts";
import { createLogger } from "../../trainer/log.ts";
import { connectStore } from "../../trainer/publish/store.ts";
import { runCycle } from "../../trainer/run/cycle.ts";
import { DEMO_GRID, seedDemo } from "../../trainer/seed/load.ts";
import { scratchDatabase } from "../../test/support/database.ts";
import { startUpstashLocal } from "../../upstash-local/server.ts";

// A fixed last day keeps the run reproducible (the demo itself ends yesterday).
const END = "2026-10-31";

const database = await scratchDatabase("bytes");
const token = randomBytes(8).toString("hex");
// Bytes do not depend on the store's backend: the in-process one needs no clean-up.
const store = await startUpstashLocal({ token });
const prefix = "bytes";
const env = {
  ...process.env, DATABASE_URL: database.url, UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: token,
  KEY_PREFIX: prefix,
};
const config = loadConfig(env, { needsStore: true });
const { sql, db } = connect(database.url, { max: config.DB_POOL_SIZE });
const redis = connectStore({ url: store.url, token });

try {
  await migrate(sql);
  await seedDemo(sql, { ...DEMO_GRID, end: END });
  const { version } = await runCycle(config, { sql, db, redis, log: createLogger("warn") });
  const k = keys(prefix);
  const manifest = JSON.parse((await redis.get<string>(k.manifest(version)))!) as Manifest;
  const fields = manifest.dimensions.stores.flatMap((s) => manifest.dimensions.products.map((p) => seriesField(s.city, s.code, p.code)));

  console.log(`\n### Bytes per series-day: the demo grid's ${fields.length} fitted series (${Object.entries(manifest.models).map(([m, n]) => `${m} ${n}`).join(", ")})\n`);
  console.log("Shape 2 and layout 3 (the defaults), then shape 1 and layout 2 (FORECAST_SHAPE=v1, what was served before), gzip as served; brotli (quality 11, not served) beside.\n");
  console.log("| horizon | one series, JSON | one series, binary | grid built, JSON | grid built, binary | grid published, JSON | grid published, binary | one series, JSON, v1 | one series, binary, v1 | grid built, JSON, v1 | grid built, binary, v1 | brotli: one series JSON / binary, grid JSON / binary | largest rounding, share of interval width |");
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  const published = Object.fromEntries(hashEntries(await redis.hgetall(k.prefetch(version))));
  const dump: Record<number, SeriesPayload[]> = {};
  const brotli = (bytes: Uint8Array) => brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength } }).byteLength;
  for (const h of HORIZONS) {
    const values = (await redis.hmget(k.horizon(version, h), ...fields)) as unknown as string[];
    const identities = fields.map((field) => fieldIdentity(field, version, h));
    const stored = values.map((v) => fromBase64(v) as Uint8Array<ArrayBuffer>);
    // The rollback's bodies, as the Worker makes them from the stored ones (serve-forecast.ts, routes/forecast.ts).
    const shape1 = stored.map((bytes, i) => shapedSeries(bytes, "v1", identities[i]!));
    const payloads = shape1.map((bytes) => JSON.parse(gunzipSync(bytes).toString("utf8")) as SeriesPayload);
    dump[h] = payloads;
    const perDay = (bytes: number, series: number) => (bytes / (series * h)).toFixed(2);
    const sum = (bodies: Uint8Array[], size: (b: Uint8Array) => number = (b) => b.byteLength) => bodies.reduce((total, b) => total + size(b), 0);
    const one = (bodies: Uint8Array[], size?: (b: Uint8Array) => number) => perDay(sum(bodies, size), fields.length);
    const header = { version, origin: manifest.origin, h, level: manifest.level };
    const grid = (shape: "v1" | "v2") => gridBody(header, fields, values, { entry: (text, field) => gridEntryText(text, shape, fieldIdentity(field, version, h)) });
    const [grid2, grid1] = [grid("v2"), grid("v1")];
    const [gridBinary3, gridBinary2] = [binaryGzip(grid2, "v3"), binaryGzip(grid1, "v2")];
    const binary3 = stored.map((bytes) => binaryGzip(bytes, "v3"));
    const binary2 = shape1.map((bytes) => binaryGzip(bytes, "v2"));
    // The rounding error is bounded by half a step; the step is a share of the interval width (payload.ts).
    const share = Math.max(...payloads.map((p) => roundingShare(p)));
    const { cachePath } = await gridCachePath(version, h, canonicalGridQuery({ city: "*", store: "*", product: "*" }));
    const jsonPath = shapePath("v2", cachePath);
    const binaryPath = `${binaryTag("v3")}/${jsonPath}`;
    const publishedBytes = (path: string) => (published[path] ? perDay(fromBase64(published[path]!).byteLength, fields.length) : "–");
    const unzipped = (b: Uint8Array) => brotli(gunzipSync(b));
    const brotliCell = [one(stored, unzipped), one(binary3, unzipped), published[jsonPath] ? perDay(unzipped(fromBase64(published[jsonPath]!)), fields.length) : "–", published[binaryPath] ? perDay(unzipped(fromBase64(published[binaryPath]!)), fields.length) : "–"].join(" / ");
    console.log(`| ${h} | ${one(stored)} | ${one(binary3)} | ${perDay(grid2.byteLength, fields.length)} | ${perDay(gridBinary3.byteLength, fields.length)} | ${publishedBytes(jsonPath)} | ${publishedBytes(binaryPath)} | ${one(shape1)} | ${one(binary2)} | ${perDay(grid1.byteLength, fields.length)} | ${perDay(gridBinary2.byteLength, fields.length)} | ${brotliCell} | ${(share * 100).toFixed(2)}% |`);
    if (h === 30) console.log(`|  | (${(sum(stored) / fields.length).toFixed(0)} B a series) | | (${grid2.byteLength} B, ${gunzipSync(grid2).byteLength} B unzipped) | (${gridBinary3.byteLength} B) | | | (${(sum(shape1) / fields.length).toFixed(0)} B) | | (${grid1.byteLength} B) | (${gridBinary2.byteLength} B) | | |`);
  }
  // CPU per miss, 30 days: what a request costs beyond its store round trip.
  const values30 = (await redis.hmget(k.horizon(version, 30), ...fields)) as unknown as string[];
  const header30 = { version, origin: manifest.origin, h: 30, level: manifest.level };
  const { cachePath } = await gridCachePath(version, 30, canonicalGridQuery({ city: "*", store: "*", product: "*" }));
  const publishedGrid = Object.fromEntries(hashEntries(await redis.hgetall(k.prefetch(version))))[shapePath("v2", cachePath)];
  const entry = (shape: "v1" | "v2") => ({ entry: (text: string, field: string) => gridEntryText(text, shape, fieldIdentity(field, version, 30)) });
  const first = fieldIdentity(fields[0]!, version, 30);
  const paths: [string, () => unknown][] = [
    ["one series, JSON (bytes passed through after a look at their shape)", () => shapedSeries(fromBase64(values30[0]!) as Uint8Array<ArrayBuffer>, "v2", first)],
    ["one series, JSON, shape 1 (FORECAST_SHAPE=v1, converted)", () => shapedSeries(fromBase64(values30[0]!) as Uint8Array<ArrayBuffer>, "v1", first)],
    ["one series, binary", () => binaryGzip(fromBase64(values30[0]!))],
    [`grid of ${fields.length}, JSON, built`, () => gridBody(header30, fields, values30, entry("v2"))],
    [`grid of ${fields.length}, JSON, shape 1, built`, () => gridBody(header30, fields, values30, entry("v1"))],
    [`grid of ${fields.length}, binary, built`, () => binaryGzip(gridBody(header30, fields, values30, entry("v2")))],
    [`grid of ${fields.length}, JSON or binary, published (passed through)`, () => fromBase64(publishedGrid!)],
  ];
  console.log("\n### CPU per cache miss, 30 days (the body's work only; median of 5 runs)\n");
  console.log("| path | CPU ms per request |");
  console.log("| --- | ---: |");
  for (const [label, run] of paths) console.log(`| ${label} | ${cpuMs(run).toFixed(3)} |`);
  if (process.env.FORMAT_DUMP) writeFileSync(process.env.FORMAT_DUMP, JSON.stringify(dump));
} finally {
  await sql.end();
  await store.close();
  await database.close();
}

/** Half the series' step over its narrowest interval: the most rounding can move a value, relative to its uncertainty. */
function roundingShare(p: SeriesPayload): number {
  const widths = p.upper.map((u, i) => u - p.lower[i]!).filter((w) => w > 0);
  if (widths.length === 0) return 0;
  return (p.step ?? 0.001) / 2 / Math.min(...widths);
}

/** Median over 5 runs of the process CPU time per call, after a warm-up. */
function cpuMs(run: () => unknown): number {
  for (let i = 0; i < 20; i++) run();
  const runs = Array.from({ length: 5 }, () => {
    const calls = 50;
    const started = process.cpuUsage();
    for (let i = 0; i < calls; i++) run();
    const used = process.cpuUsage(started);
    return (used.user + used.system) / 1000 / calls;
  });
  return runs.sort((a, b) => a - b)[2]!;
}
