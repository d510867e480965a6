// CSV import benchmark: the Kaggle store-item file (913,000 rows, 10 stores ×
// 50 items × 5 years) through `trainer import`'s code path, into a fresh
// schema of the Postgres at DATABASE_URL (or embedded PGlite when unset):
// a first load, then a re-import of the same file (an upsert that changes
// nothing), each with rows staged by COPY … FROM STDIN and, as the baseline in
// the same run, by the batched INSERTs the embedded engine uses.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:import
//   npm run bench:import -- --file path/to/train.csv.gz
import { existsSync } from "node:fs";
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
  .parse()
  .opts<{ file: string; batchSize: number }>();

if (!existsSync(opts.file)) {
  console.error(`no such file: ${opts.file}\nPass --file <train.csv.gz> (Kaggle "Store Item Demand Forecasting", date,store,item,sales).`);
  process.exit(1);
}

const database = await scratchDatabase("bench");
const url = database.url;
const { sql } = connect(url, { max: 2 });

try {
  await migrate(sql);
  const runs: { label: string; report: ImportReport }[] = [];
  for (const insertStaging of [false, true]) {
    if (insertStaging) await sql`truncate sales`;
    for (const label of ["first load", "re-import (no change)"]) {
      const report = await importCsv(sql, openCsv(opts.file), { mapping: KAGGLE_STORE_ITEM, city: "main", batchSize: opts.batchSize, insertStaging });
      runs.push({ label: `${label}, ${report.staging === "copy" ? "COPY" : "INSERT (baseline)"}`, report });
    }
  }
  const [counts] = await sql`select (select count(*) from sales)::int as sales, (select count(*) from store)::int as stores, (select count(*) from product)::int as products`;
  console.log(`\nImport of ${opts.file.split("/").slice(-2).join("/")} into ${database.label}, batches of ${opts.batchSize.toLocaleString("en")}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"})`);
  console.log(`table after: ${counts.sales.toLocaleString("en")} sales rows, ${counts.stores} stores, ${counts.products} products\n`);
  console.log("| run | rows | changed | seconds | rows/s | vs baseline |");
  console.log("|---|---:|---:|---:|---:|---:|");
  const rate = (r: ImportReport) => r.loaded / (r.ms / 1000);
  for (const [i, { label, report }] of runs.entries()) {
    const baseline = runs[(i % 2) + 2]?.report;
    console.log(`| ${label} | ${report.loaded.toLocaleString("en")} | ${report.changed.toLocaleString("en")} | ${(report.ms / 1000).toFixed(1)} | ${Math.round(rate(report)).toLocaleString("en")} | ${baseline ? `${(rate(report) / rate(baseline)).toFixed(2)}×` : "–"} |`);
  }
} finally {
  await sql.end();
  await database.close();
}
