// The embedded engine (PGlite behind its socket server) with many clients on
// its one session, as a coordinator and its workers use it: every client
// gets its own rows however the clients' exchanges overlap, and a client
// that leaves in the middle of one does not hold up the others. It always
// runs on PGlite, whatever DATABASE_URL says: the engine is what it checks.
import { connect as connectSocket } from "node:net";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../trainer/db/embedded.ts";

let embedded: EmbeddedPostgres;
beforeAll(async () => {
  embedded = await startEmbeddedPostgres();
});
afterAll(() => embedded?.close());

function client() {
  return postgres(embedded.url, { max: 2, onnotice: () => {} });
}

/** A frontend message: type byte, then its length (counting itself) and body. */
function message(type: string, ...parts: (string | number[])[]): Buffer {
  const body = Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(`${p}\0`) : Buffer.from(p))));
  const header = Buffer.alloc(5);
  header.write(type, 0);
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function startup(): Buffer {
  const body = Buffer.from("user\0postgres\0database\0postgres\0\0");
  const header = Buffer.alloc(8);
  header.writeInt32BE(body.length + 8, 0);
  header.writeInt32BE(196608, 4);
  return Buffer.concat([header, body]);
}

describe("the embedded engine's one session", () => {
  it("gives each client its own rows while unprepared queries with parameters overlap simple ones", async () => {
    // Unprepared queries with parameters are what drizzle sends: postgres.js
    // parses and describes the unnamed statement, waits for the types, then binds it.
    const clients = [client(), client(), client()];
    try {
      const wrong: string[] = [];
      await Promise.all(clients.flatMap((sql, c) => [
        (async () => {
          for (let k = 0; k < 40; k++) {
            const rows = await sql.unsafe(`select $1::int * ${c + 1} as v${c}`, [k]);
            if (rows[0]?.[`v${c}`] !== k * (c + 1)) wrong.push(`client ${c} asked ${k}, got ${JSON.stringify(rows[0])}`);
          }
        })(),
        (async () => {
          for (let k = 0; k < 40; k++) await sql.unsafe(`select ${k} as simple`);
        })(),
      ]));
      expect(wrong).toEqual([]);
    } finally {
      await Promise.all(clients.map((sql) => sql.end()));
    }
  });

  it("goes on serving others when a client leaves in the middle of an exchange", async () => {
    const socket = connectSocket(Number(new URL(embedded.url).port), "127.0.0.1");
    let received = Buffer.alloc(0);
    socket.on("data", (chunk) => (received = Buffer.concat([received, chunk])));
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(startup());
    await expect.poll(() => received.includes(Buffer.from("Z\0\0\0\x05I"))).toBe(true);
    received = Buffer.alloc(0);
    // Parse, Describe and Flush with no Sync: the exchange is open when the client goes.
    socket.write(Buffer.concat([message("P", "", "select $1::int", [0, 0]), message("D", "S"), message("H")]));
    await expect.poll(() => received.length > 0 && received[0] === "1".charCodeAt(0)).toBe(true);
    socket.destroy();

    const sql = client();
    try {
      expect(await sql.unsafe("select $1::int as v", [7])).toEqual([{ v: 7 }]);
    } finally {
      await sql.end();
    }
  });
});
