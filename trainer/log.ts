// JSON logs (pino) for cron hosts and log shippers; one logger per process.
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(level: string = "info"): Logger {
  return pino({ level, base: { app: "trainer" }, timestamp: pino.stdTimeFunctions.isoTime });
}
