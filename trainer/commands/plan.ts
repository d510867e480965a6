// `trainer plan import|list`: the promotion plan the forecasts are made with
// (docs/promotions.md). An import can queue a retrain of the series it
// changed, which the scheduler answers with a new version.
import { MAX_RETRAIN_SERIES } from "../../edge/contract/retrain.ts";
import { loadConfig, storeConfig } from "../config.ts";
import { connect } from "../db/connect.ts";
import { migrate } from "../db/migrate.ts";
import { openCsv } from "../import/csv-import.ts";
import { parseDay } from "../import/rows.ts";
import type { Logger } from "../log.ts";
import { importPlan } from "../plan/import.ts";
import { listPlan } from "../plan/list.ts";
import { connectStore } from "../publish/store.ts";
import { RetrainQueue } from "../schedule/retrain.ts";
import { EXIT } from "./exit-codes.ts";
import { checkCity, importFailure } from "./import.ts";

const PLAN_LIST_LIMIT = 1000;

export interface PlanImportFlags {
  columns?: string;
  city: string;
  delimiter: string;
  merge?: boolean;
  retrain?: boolean;
}

export async function planImportCommand(file: string, flags: PlanImportFlags, log: Logger): Promise<number> {
  // The store is checked before anything is loaded, so a missing variable cannot leave a plan without its retrain.
  const config = loadConfig(process.env, { needsStore: flags.retrain === true });
  const { sql } = connect(config.DATABASE_URL, { max: 2 });
  try {
    await migrate(sql);
    checkCity(flags.city);
    const report = await importPlan(sql, openCsv(file), {
      columns: flags.columns, city: flags.city, delimiter: flags.delimiter, replace: !flags.merge, source: file,
    });
    const { badRows: _, changed, ...summary } = report;
    log.info({ ...summary, changed: changed.length }, `plan ${flags.merge ? "extended" : "replaced"} from ${file}: ${report.days} planned days in ${report.ranges} ranges; ` +
      `${changed.length} series have changed planned days`);
    if (flags.retrain && changed.length > 0) {
      const queue = new RetrainQueue(connectStore(storeConfig(config)), config.KEY_PREFIX);
      const request = await queue.enqueue(changed.length > MAX_RETRAIN_SERIES ? "all" : changed);
      log.info({ id: request.id, series: changed.length }, `retrain ${request.id} queued for the ${changed.length} changed series; \`trainer schedule\` publishes it as a new version`);
    }
    return EXIT.ok;
  } catch (error) {
    return importFailure(error, file, log);
  } finally {
    await sql.end();
  }
}

export async function planListCommand(flags: { from?: string; json: boolean }, log: Logger): Promise<number> {
  if (flags.from !== undefined && parseDay(flags.from) === null) {
    log.error({ code: "bad_date" }, `--from ${JSON.stringify(flags.from)} must be a calendar date YYYY-MM-DD`);
    return EXIT.failed;
  }
  const config = loadConfig();
  const { sql } = connect(config.DATABASE_URL, { max: 1 });
  try {
    await migrate(sql);
    const plan = await listPlan(sql, { from: flags.from, limit: PLAN_LIST_LIMIT });
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(plan)}\n`);
      return EXIT.ok;
    }
    process.stdout.write(plan.loadedAt ? `plan loaded ${plan.loadedAt} from ${plan.source}\n` : "no plan loaded (`trainer plan import <file>`)\n");
    for (const e of plan.entries) {
      const days = e.firstDay === e.lastDay ? e.firstDay : `${e.firstDay}..${e.lastDay}`;
      process.stdout.write(`${days.padEnd(22)}  ${e.scope}${e.price === null ? "" : `  price ${e.price}`}\n`);
    }
    if (plan.entries.length === PLAN_LIST_LIMIT) process.stdout.write(`(the first ${PLAN_LIST_LIMIT} rows; --from narrows the list)\n`);
    return EXIT.ok;
  } finally {
    await sql.end();
  }
}
