// The trainer's command line: wiring only; each command lives in commands/.
import { Command, InvalidArgumentError } from "commander";
import { ConfigError } from "./config.ts";
import { EXIT } from "./commands/exit-codes.ts";
import { migrateCommand } from "./commands/migrate.ts";
import { importCommand } from "./commands/import.ts";
import { planImportCommand, planListCommand } from "./commands/plan.ts";
import { createKeyCommand, listKeysCommand, revokeKeyCommand } from "./commands/keys.ts";
import { runCommand } from "./commands/run.ts";
import { scheduleCommand } from "./commands/schedule.ts";
import { seedCommand } from "./commands/seed.ts";
import { statusCommand } from "./commands/status.ts";
import { workerCommand } from "./commands/worker.ts";
import { createLogger } from "./log.ts";
import { DEMO_GRID, yesterday } from "./seed/load.ts";

const log = createLogger(process.env.LOG_LEVEL || "info");

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError("must be an integer");
  return n;
}

/** The one error path: known errors print their message, anything else its stack. */
async function execute(action: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await action();
  } catch (error) {
    if (error instanceof ConfigError) {
      log.error({ issues: error.issues }, error.message);
      process.exitCode = EXIT.config;
    } else {
      log.error({ err: error }, error instanceof Error ? error.message : String(error));
      process.exitCode = EXIT.failed;
    }
  }
}

const program = new Command("trainer")
  .description("Trains demand forecasts from Postgres and publishes them to Upstash Redis.\nConfiguration comes from environment variables; see docs/configuration.md.")
  .showHelpAfterError();

program.command("migrate")
  .description("apply sql/ migrations to DATABASE_URL")
  .action(() => execute(() => migrateCommand(log)));

program.command("seed")
  .description("load a generated, seeded sales history (cities × stores × products, daily)")
  .option("--cities <n>", "cities, 1–5", integer, DEMO_GRID.cities)
  .option("--stores <n>", "stores per city, 1–5", integer, DEMO_GRID.stores)
  .option("--products <n>", "products, 1–5", integer, DEMO_GRID.products)
  .option("--days <n>", "days of history, ≥ 28", integer, DEMO_GRID.days)
  .option("--end <date>", "last day of history, YYYY-MM-DD", yesterday())
  .option("--seed <n>", "random seed: the same seed and end date give the same data", integer, DEMO_GRID.seed)
  .action((flags) => execute(() => seedCommand(flags, log)));

program.command("run")
  .description("one cycle: refresh views, fit every series, record, publish a new version")
  .option("--wait", "wait for a cycle that is already running to end, instead of exiting with code 4")
  .option("--distributed", "fit on `trainer worker` processes through pg-boss jobs instead of this host's threads")
  .action((flags) => execute(() => runCommand(log, flags)));

program.command("schedule")
  .description("run cycles on TRAIN_CRON and for queued retrain requests, until SIGTERM; serves metrics on METRICS_PORT")
  .option("--wait", "if another scheduler is running, stand by and take over when it stops (default: exit with code 4)")
  .option("--now", "also run one cycle at start")
  .option("--metrics-port <n>", "port for /metrics (overrides METRICS_PORT; 0 picks a free one)", integer)
  .action((flags) => execute(() => scheduleCommand(flags, log)));

program.command("worker")
  .description("fit jobs from `trainer run --distributed` coordinators, until SIGTERM")
  .option("--threads <n>", "fit threads (overrides FIT_THREADS)", integer)
  .action((flags) => execute(() => workerCommand(flags, log)));

program.command("status")
  .description("live and retained versions, recent runs with stage timings, failed and least accurate series")
  .option("--runs <n>", "recent runs to list", integer, 10)
  .option("--outliers <n>", "least accurate series to list", integer, 5)
  .option("--json", "print the report as JSON", false)
  .action((flags) => execute(() => statusCommand(flags, log)));

program.command("import")
  .description("load sales from a CSV file (.csv or .csv.gz); the Kaggle store-item layout date,store,item,sales by default")
  .argument("<file>", "the CSV file; the first line is the header")
  .option("--columns <map>", "field=column pairs for other layouts: date, store, product, units (required), city, promo, price, storeName, productName, cityName; e.g. date=Date,store=store_nbr,product=sku,units=qty,promo=on_promo")
  .option("--city <code>", "city for every store when there is no city column", "main")
  .option("--rejects <file>", "load the good rows and write bad ones (with line numbers and reasons) to this CSV, instead of loading nothing")
  .option("--delimiter <char>", "field delimiter", ",")
  .option("--batch-size <n>", "rows staged (COPY) per set-based merge into sales", integer, 100_000)
  .action((file, flags) => execute(() => importCommand(file, flags, log)));

const planCommand = program.command("plan")
  .description("the promotion plan forecasts are made with (PROMO_PLAN); see docs/promotions.md");
planCommand.command("import")
  .description("load planned promotion days from a CSV file (.csv or .csv.gz), date,store,item[,price] by default; replaces the plan unless --merge")
  .argument("<file>", "the CSV file; the first line is the header")
  .option("--columns <map>", "field=column pairs for other layouts: date, city, store, product, price; a row with no store plans the product in every store of its city, one with no product the whole store")
  .option("--city <code>", "city of rows that name a product and no store, when there is no city column", "main")
  .option("--delimiter <char>", "field delimiter", ",")
  .option("--merge", "add to the plan instead of replacing it")
  .option("--retrain", "queue a retrain of the series whose planned days changed (needs the store variables)")
  .action((file, flags) => execute(() => planImportCommand(file, flags, log)));
planCommand.command("list")
  .description("the plan's rows (scope, days, price) and when it was last loaded")
  .option("--from <date>", "only rows that end on or after this day, YYYY-MM-DD")
  .option("--json", "print the plan as JSON", false)
  .action((flags) => execute(() => planListCommand(flags, log)));

const keysCommand = program.command("keys")
  .description("read API keys for the Worker (REQUIRE_API_KEY): stored hashed in the Upstash store under KEY_PREFIX");
keysCommand.command("create")
  .description("issue a key and print it once")
  .requiredOption("--name <who>", "who or what the key is for, e.g. dashboard-eu")
  .option("--json", "print { id, name, createdAt, key } as JSON", false)
  .action((flags) => execute(() => createKeyCommand(flags, log)));
keysCommand.command("list")
  .description("list keys by id, creation time and name (never the keys)")
  .option("--json", "print the list as JSON", false)
  .action((flags) => execute(() => listKeysCommand(flags)));
keysCommand.command("revoke")
  .description("revoke a key by its id; Workers stop accepting it within a minute")
  .argument("<id>", "the key id: the 8 characters after fk_")
  .action((id) => execute(() => revokeKeyCommand(id, log)));

await program.parseAsync();
