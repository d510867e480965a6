// The trainer's command line: wiring only; each command lives in commands/.
import { Command, InvalidArgumentError } from "commander";
import { ConfigError } from "./config.ts";
import { EXIT } from "./commands/exit-codes.ts";
import { migrateCommand } from "./commands/migrate.ts";
import { runCommand } from "./commands/run.ts";
import { seedCommand } from "./commands/seed.ts";
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
  .description("Trains demand forecasts from Postgres and publishes them to Upstash Redis.\nConfiguration comes from environment variables; see README.")
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
  .action(() => execute(() => runCommand(log)));

await program.parseAsync();
