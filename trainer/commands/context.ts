// What the long-running commands open: Postgres, the store, the alert hook
// and the metrics, from one validated configuration.
import type { Redis } from "@upstash/redis";
import { loadConfig, storeConfig, type TrainerConfig } from "../config.ts";
import { connect, type Database, type Sql } from "../db/connect.ts";
import { migrate } from "../db/migrate.ts";
import type { Logger } from "../log.ts";
import { Alerter } from "../ops/alerts.ts";
import { connectStore } from "../publish/store.ts";

export interface TrainerContext {
  config: TrainerConfig;
  sql: Sql;
  db: Database;
  redis: Redis;
  alerter: Alerter;
  close(): Promise<void>;
}

export async function openContext(log: Logger, env: Record<string, string | undefined> = process.env): Promise<TrainerContext> {
  const config = loadConfig(env, { needsStore: true });
  // One more connection than the pool's share for the lock, which holds its own.
  const { sql, db } = connect(config.DATABASE_URL, { max: config.DB_POOL_SIZE + 1 });
  await migrate(sql);
  return {
    config, sql, db,
    redis: connectStore(storeConfig(config)),
    alerter: new Alerter({ url: config.ALERT_WEBHOOK_URL, log }),
    close: () => sql.end(),
  };
}

/** Resolves on the first SIGTERM or SIGINT, with its name; the handlers go away once it has. */
export function nextStopSignal(): { promise: Promise<string>; dispose(): void } {
  let dispose = () => {};
  const promise = new Promise<string>((resolve) => {
    const onSignal = (signal: string) => {
      dispose();
      resolve(signal);
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
    dispose = () => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    };
  });
  return { promise, dispose: () => dispose() };
}
