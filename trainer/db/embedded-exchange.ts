// PGlite's one session shared by the socket server's clients, with each
// client's wire-protocol exchange kept whole.
import type { PGlite } from "@electric-sql/pglite";

const READY_FOR_QUERY = 0x5a; // 'Z'

/**
 * The socket server runs its clients' messages one at a time on PGlite's one
 * session and keeps to one client only inside a transaction. An extended-
 * protocol exchange spans several messages, and a driver may wait for a reply
 * in its middle (postgres.js sends Parse, Describe and Flush, then Bind and
 * Execute once the types are back: every drizzle query), so another client's
 * message landing there replaces or drops the unnamed statement: the first
 * client gets another's rows or "unnamed prepared statement does not exist".
 * An exchange ends when the backend says ReadyForQuery; until then this
 * reports the session as in a transaction, which the server honours by
 * running only that client's messages. A client that leaves mid-exchange is
 * rolled back by the server, which then stops keeping to it.
 */
export function oneExchangeAtATime(db: PGlite): PGlite {
  let open = false;
  const execProtocolRawStream: PGlite["execProtocolRawStream"] = async (message, options) => {
    const replies = new ReplyScanner();
    const result = await db.execProtocolRawStream(message, {
      ...options,
      onRawData(data) {
        replies.scan(data);
        options?.onRawData?.(data);
      },
    });
    // A message with no reply (Flush after nothing) leaves the exchange as it was.
    if (replies.last !== undefined) open = replies.last !== READY_FOR_QUERY;
    return result;
  };
  return new Proxy(db, {
    get(target, key) {
      if (key === "isInTransaction") return () => open || target.isInTransaction();
      if (key === "execProtocolRawStream") return execProtocolRawStream;
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Follows backend message boundaries across chunks, remembering the last message's type. */
class ReplyScanner {
  last: number | undefined;
  /** Bytes of the current message's body still to skip. */
  #remaining = 0;
  #header: number[] = [];

  scan(data: Uint8Array): void {
    let i = 0;
    while (i < data.length) {
      if (this.#remaining > 0) {
        const skip = Math.min(this.#remaining, data.length - i);
        this.#remaining -= skip;
        i += skip;
        continue;
      }
      this.#header.push(data[i++]);
      if (this.#header.length < 5) continue;
      const [type, a, b, c, d] = this.#header;
      this.#header = [];
      this.last = type;
      // The length counts itself but not the type byte.
      this.#remaining = ((a << 24) | (b << 16) | (c << 8) | d) - 4;
    }
  }
}
