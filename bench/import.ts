// CSV import benchmark: the Kaggle store-item file (913,000 rows, 10 stores ×
// 50 items × 5 years) through `trainer import`'s code path, into a fresh
// schema of the Postgres at DATABASE_URL (or embedded PGlite when unset): a
// first load into the empty table (COPY straight into `sales`, indexes built
// after), a re-import of the same file (an upsert that changes nothing), and,
// as the baseline in the same run, a first load with IMPORT_BULK_LOAD=off
// (staged and merged, the path a table that already holds rows takes).
// `--insert-staging` adds the embedded engine's batched INSERTs. Besides wall
// time it reports the CPU seconds of this process and of its Postgres backend
// (read from /proc when Postgres runs on this machine), which a busy machine
// does not inflate the way it inflates wall time.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:import
//   npm run bench:import -- --file path/to/train.csv.gz
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import { Command } from "commander";
import { connect } from "../trainer/db/connect.ts";
import { scratchDatabase } from "../test/support/database.ts";
import { migrate } from "../trainer/db/migrate.ts";
import { importCsv, openCsv, type ImportReport } from "../trainer/import/csv-import.ts";
import { KAGGLE_STORE_ITEM } from "../trainer/import/mapping.ts";

const opts = new Command("bench-import")
  .option("--file <path>", "the CSV (.csv or .csv.gz)", new URL("../../shared/data/store-item-demand/train.csv.gz", import.meta.url).pathname)
  .option("--batch-size <n>", "rows staged per merge", (v) => Number(v), 100_000)
  .option("--insert-staging", "also measure the embedded engine's batched INSERTs")
  .parse()
  .opts<{ file: string; batchSize: number; insertStaging?: boolean }>();

if (!existsSync(opts.file)) {
  console.error(`no such file: ${opts.file}\nPass --file <train.csv.gz> (Kaggle "Store Item Demand Forecasting", date,store,item,sales).`);
  process.exit(1);
}

const database = await scratchDatabase("bench");
const url = database.url;
// One connection, so one backend does all of an import's work and its CPU can be read.
const { sql } = connect(url, { max: 1 });

/** CPU seconds of the Postgres backend, or null when it is not a process of this machine. */
async function backendCpu(): Promise<() => number | null> {
  const [{ pid }] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
  return () => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      return null;
    }
  };
}

interface Run {
  label: string;
  report: ImportReport;
  nodeCpu: number;
  pgCpu: number | null;
}

try {
  await migrate(sql);
  const pgCpu = await backendCpu();
  const runs: Run[] = [];
  const measure = async (label: string, options: { bulkLoad?: boolean; insertStaging?: boolean }) => {
    const [node0, pg0] = [process.cpuUsage(), pgCpu()];
    const report = await importCsv(sql, openCsv(opts.file), { mapping: KAGGLE_STORE_ITEM, city: "main", batchSize: opts.batchSize, ...options });
    const node = process.cpuUsage(node0);
    const pg1 = pgCpu();
    runs.push({ label, report, nodeCpu: (node.user + node.system) / 1e6, pgCpu: pg0 === null || pg1 === null ? null : pg1 - pg0 });
  };
  await measure("first load (empty table: COPY into sales, indexes built after)", {});
  await measure("re-import (no change)", {});
  await sql`truncate sales`;
  await measure("first load, IMPORT_BULK_LOAD=off (staged and merged; baseline)", { bulkLoad: false });
  if (opts.insertStaging) {
    await sql`truncate sales`;
    await measure("first load, INSERT staging (the embedded engine's path)", { insertStaging: true });
    await measure("re-import, INSERT staging", { insertStaging: true });
  }
  const [counts] = await sql`select (select count(*) from sales)::int as sales, (select count(*) from store)::int as stores, (select count(*) from product)::int as products`;
  console.log(`\nImport of ${opts.file.split("/").slice(-2).join("/")} into ${database.label}, batches of ${opts.batchSize.toLocaleString("en")}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), load average ${os.loadavg()[0].toFixed(2)} at the end`);
  console.log(`table after: ${counts.sales.toLocaleString("en")} sales rows, ${counts.stores} stores, ${counts.products} products\n`);
  console.log("| run | rows | changed | seconds | rows/s | vs baseline | CPU s, importer | CPU s, Postgres backend |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
  const rate = (r: ImportReport) => r.loaded / (r.ms / 1000);
  const baseline = runs[2].report;
  for (const { label, report, nodeCpu, pgCpu } of runs) {
    console.log(`| ${label} | ${report.loaded.toLocaleString("en")} | ${report.changed.toLocaleString("en")} | ${(report.ms / 1000).toFixed(1)} | ${Math.round(rate(report)).toLocaleString("en")} | ${(rate(report) / rate(baseline)).toFixed(2)}× | ${nodeCpu.toFixed(1)} | ${pgCpu === null ? "–" : pgCpu.toFixed(1)} |`);
  }
} finally {
  await sql.end();
  await database.close();
}
