// Bytes per series-day on the wire, gzipped, for the JSON and the binary
// representations, on the demo's own fitted forecasts: the demo grid (5 × 5 × 5
// series, 730 days of seeded sales) is trained by the real cycle (model
// selection by backtest, the fast variant) and published to a scratch store;
// then one series and the whole grid are encoded exactly as the Worker serves
// them. Also reports how far the published precision moves a value, as a
// share of its interval's width. About a minute on 2 cores.
//   DATABASE_URL=… npx tsx bench/edge/format-bytes.ts   (without DATABASE_URL: embedded PGlite)
//   FORMAT_DUMP=/tmp/payloads.json also writes the decoded payloads.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { binaryGzip } from "../../edge/binary-format.ts";
import { decodeStored, fromBase64 } from "../../edge/contract/codec.ts";
import { HORIZONS, keys, seriesField } from "../../edge/contract/keys.ts";
import type { Manifest, SeriesPayload } from "../../edge/contract/payload.ts";
import { gridBody } from "../../edge/grid-body.ts";
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
  KEY_PREFIX: prefix, ACCURATE_VARIANT: "false", PREFETCH_TOP_N: "0",
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
  console.log("| horizon | one series, JSON | one series, binary | grid, JSON | grid, binary | largest rounding, share of interval width |");
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: |");
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
    console.log(`| ${h} | ${perDay(jsonOne, fields.length)} | ${perDay(binaryOne, fields.length)} | ${perDay(gridJson.byteLength, fields.length)} | ${perDay(gridBinary.byteLength, fields.length)} | ${(share * 100).toFixed(2)}% |`);
    if (h === 30) console.log(`|  | (${(jsonOne / fields.length).toFixed(0)} B a series) | | (${gridJson.byteLength} B, ${gunzipSync(gridJson).byteLength} B unzipped) | (${gridBinary.byteLength} B) | |`);
  }
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
