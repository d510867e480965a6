// The embedded default: PGlite (Postgres compiled to WASM) served over the
// wire protocol, so the `postgres` driver and the same SQL run unchanged on
// a machine with no Postgres installed.
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { oneExchangeAtATime } from "./embedded-exchange.ts";

export interface EmbeddedPostgres {
  url: string;
  close(): Promise<void>;
}

export async function startEmbeddedPostgres(options: { port?: number; dataDir?: string } = {}): Promise<EmbeddedPostgres> {
  const db = await PGlite.create(options.dataDir);
  // Connections queue onto one session, so many are cheap; a coordinator and
  // its workers (pg-boss pools plus their own) hold a dozen between them.
  const server = new PGLiteSocketServer({ db: oneExchangeAtATime(db), host: "127.0.0.1", port: options.port ?? 0, maxConnections: 32 });
  await server.start();
  const conn = server.getServerConn();
  return {
    url: `postgres://postgres@${conn}/postgres`,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
