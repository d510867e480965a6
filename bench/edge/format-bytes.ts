// Bytes per series-day on the wire, gzipped, for the JSON and the binary
// representations, on the demo's own fitted forecasts: the demo grid (5 × 5 × 5
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
//   FORMAT_DUMP=/tmp/payloads.json also writes the decoded payloads.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { binaryGzip, binaryTag } from "../../edge/binary-format.ts";
import { decodeStored, fromBase64 } from "../../edge/contract/codec.ts";
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

  console.log(`\n### Bytes per series-day, gzipped: the demo grid's ${fields.length} fitted series (${Object.entries(manifest.models).map(([m, n]) => `${m} ${n}`).join(", ")})\n`);
  console.log("| horizon | one series, JSON | one series, binary | grid built, JSON | grid built, binary | grid published, JSON | grid published, binary | largest rounding, share of interval width |");
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  const published = Object.fromEntries(hashEntries(await redis.hgetall(k.prefetch(version))));
  const dump: Record<number, SeriesPayload[]> = {};
  for (const h of HORIZONS) {
    const values = (await redis.hmget(k.horizon(version, h), ...fields)) as unknown as string[];
    const payloads = await Promise.all(values.map((v) => decodeStored<SeriesPayload>(v)));
    dump[h] = payloads;
    const perDay = (bytes: number, series: number) => (bytes / (series * h)).toFixed(2);
    // One series: its stored bytes are the JSON body; the binary body is built from them as the Worker does.
    const jsonOne = values.reduce((sum, v) => sum + fromBase64(v).byteLength, 0);
    const binaryOne = values.reduce((sum, v) => sum + binaryGzip(fromBase64(v)).byteLength, 0);
    const gridJson = gridBody({ version, origin: manifest.origin, h, level: manifest.level }, fields, values);
    const gridBinary = binaryGzip(gridJson);
    // The rounding error is bounded by half a step; the step is a share of the interval width (payload.ts).
    const share = Math.max(...payloads.map((p) => roundingShare(p)));
    const { cachePath } = await gridCachePath(version, h, canonicalGridQuery({ city: "*", store: "*", product: "*" }));
    const publishedBytes = (path: string) => (published[path] ? perDay(fromBase64(published[path]!).byteLength, fields.length) : "–");
    console.log(`| ${h} | ${perDay(jsonOne, fields.length)} | ${perDay(binaryOne, fields.length)} | ${perDay(gridJson.byteLength, fields.length)} | ${perDay(gridBinary.byteLength, fields.length)} | ${publishedBytes(cachePath)} | ${publishedBytes(`${binaryTag("v2")}/${cachePath}`)} | ${(share * 100).toFixed(2)}% |`);
    if (h === 30) console.log(`|  | (${(jsonOne / fields.length).toFixed(0)} B a series) | | (${gridJson.byteLength} B, ${gunzipSync(gridJson).byteLength} B unzipped) | (${gridBinary.byteLength} B) | | | |`);
  }
  // CPU per miss, 30 days: what a request costs beyond its store round trip.
  const values30 = (await redis.hmget(k.horizon(version, 30), ...fields)) as unknown as string[];
  const header30 = { version, origin: manifest.origin, h: 30, level: manifest.level };
  const { cachePath } = await gridCachePath(version, 30, canonicalGridQuery({ city: "*", store: "*", product: "*" }));
  const publishedGrid = Object.fromEntries(hashEntries(await redis.hgetall(k.prefetch(version))))[cachePath];
  const paths: [string, () => unknown][] = [
    ["one series, JSON (bytes passed through)", () => fromBase64(values30[0]!)],
    ["one series, binary", () => binaryGzip(fromBase64(values30[0]!))],
    [`grid of ${fields.length}, JSON, built`, () => gridBody(header30, fields, values30)],
    [`grid of ${fields.length}, binary, built`, () => binaryGzip(gridBody(header30, fields, values30))],
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
