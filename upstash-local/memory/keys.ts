// Keyspace-wide commands: existence, expiry, iteration, and the server
// commands a client sends on its own (PING, FLUSHDB).
import { CommandError } from "../errors.ts";
import type { Argv, Reply } from "../protocol.ts";
import { isOption, parseInteger, syntaxError, wrongArity, type CommandTable } from "./arguments.ts";
import { globToRegExp } from "./glob.ts";
import type { Keyspace } from "./keyspace.ts";

export const keyCommands: CommandTable = {
  DEL: { arity: -2, run: del },
  UNLINK: { arity: -2, run: del },
  EXISTS: {
    arity: -2,
    run(keyspace, argv) {
      let found = 0;
      for (let i = 1; i < argv.length; i++) if (keyspace.has(argv[i])) found++;
      return found;
    },
  },
  EXPIRE: { arity: -3, run: (keyspace, argv) => expire(keyspace, argv, 1000, false) },
  PEXPIRE: { arity: -3, run: (keyspace, argv) => expire(keyspace, argv, 1, false) },
  EXPIREAT: { arity: -3, run: (keyspace, argv) => expire(keyspace, argv, 1000, true) },
  PEXPIREAT: { arity: -3, run: (keyspace, argv) => expire(keyspace, argv, 1, true) },
  PERSIST: {
    arity: 2,
    run(keyspace, argv) {
      if (!keyspace.expiryOf(argv[1])) return 0;
      keyspace.setExpiry(argv[1], 0);
      return 1;
    },
  },
  TTL: { arity: 2, run: (keyspace, argv) => ttl(keyspace, argv[1], 1000) },
  PTTL: { arity: 2, run: (keyspace, argv) => ttl(keyspace, argv[1], 1) },
  TYPE: { arity: 2, run: (keyspace, argv) => keyspace.typeOf(argv[1]) ?? "none" },
  KEYS: {
    arity: 2,
    run(keyspace, argv) {
      const pattern = globToRegExp(argv[1]);
      const keys: Reply[] = [];
      for (const key of keyspace.keys()) if (pattern.test(key)) keys.push(key);
      return keys;
    },
  },
  SCAN: { arity: -2, run: scan },
  DBSIZE: { arity: 1, run: (keyspace) => keyspace.size },
  FLUSHDB: { arity: -1, run: flush },
  FLUSHALL: { arity: -1, run: flush },
  PING: {
    arity: -1,
    run(_keyspace, argv) {
      if (argv.length > 2) throw wrongArity(argv);
      return argv.length === 2 ? argv[1] : "PONG";
    },
  },
  ECHO: { arity: 2, run: (_keyspace, argv) => argv[1] },
};

function del(keyspace: Keyspace, argv: Argv): number {
  let deleted = 0;
  // A key that has expired but not yet been swept does not count, as in Redis.
  for (let i = 1; i < argv.length; i++) if (keyspace.has(argv[i]) && keyspace.delete(argv[i])) deleted++;
  return deleted;
}

/** EXPIRE key time [NX | XX | GT | LT], and the PEXPIRE/…AT variants via `unitMs` and `absolute`. */
function expire(keyspace: Keyspace, argv: Argv, unitMs: number, absolute: boolean): number {
  const name = argv[0].toLowerCase();
  const flags = { NX: false, XX: false, GT: false, LT: false };
  for (let i = 3; i < argv.length; i++) {
    const option = argv[i].toUpperCase();
    if (!(option in flags)) throw new CommandError(`ERR Unsupported option ${argv[i]}`);
    flags[option as keyof typeof flags] = true;
  }
  if (flags.NX && (flags.XX || flags.GT || flags.LT)) {
    throw new CommandError("ERR NX and XX, GT or LT options at the same time are not compatible");
  }
  if (flags.GT && flags.LT) throw new CommandError("ERR GT and LT options at the same time are not compatible");
  const amount = parseInteger(argv[2]);
  const expiresAt = amount * unitMs + (absolute ? 0 : Date.now());
  if (!Number.isSafeInteger(expiresAt)) throw new CommandError(`ERR invalid expire time in '${name}' command`);

  const current = keyspace.expiryOf(argv[1]);
  if (current === undefined) return 0;
  // A key without expiry counts as expiring never, i.e. later than any time.
  const currentOrNever = current === 0 ? Infinity : current;
  if (flags.NX && current !== 0) return 0;
  if (flags.XX && current === 0) return 0;
  if (flags.GT && expiresAt <= currentOrNever) return 0;
  if (flags.LT && expiresAt >= currentOrNever) return 0;
  if (expiresAt <= Date.now()) keyspace.delete(argv[1]);
  else keyspace.setExpiry(argv[1], expiresAt);
  return 1;
}

function ttl(keyspace: Keyspace, key: string, unitMs: number): number {
  const expiresAt = keyspace.expiryOf(key);
  if (expiresAt === undefined) return -2;
  if (expiresAt === 0) return -1;
  const remaining = Math.max(0, expiresAt - Date.now());
  // Redis rounds seconds to nearest: (ms + 500) / 1000.
  return unitMs === 1 ? remaining : Math.floor((remaining + 500) / 1000);
}

/** SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] */
function scan(keyspace: Keyspace, argv: Argv): Reply {
  if (!/^[0-9]+$/.test(argv[1])) throw new CommandError("ERR invalid cursor");
  const cursor = Number(argv[1]);
  let pattern: RegExp | undefined;
  let count = 10;
  let type: string | undefined;
  for (let i = 2; i < argv.length; i += 2) {
    if (i + 1 >= argv.length) throw syntaxError();
    const value = argv[i + 1];
    if (isOption(argv[i], "MATCH")) pattern = globToRegExp(value);
    else if (isOption(argv[i], "COUNT")) {
      count = parseInteger(value);
      if (count < 1) throw syntaxError();
    } else if (isOption(argv[i], "TYPE")) type = value.toLowerCase();
    else throw syntaxError();
  }
  const [next, keys] = keyspace.scan(cursor, count, (key, keyType) =>
    (pattern === undefined || pattern.test(key)) && (type === undefined || keyType === type));
  return [String(next), keys];
}

function flush(keyspace: Keyspace, argv: Argv): Reply {
  if (argv.length > 2 || (argv.length === 2 && !isOption(argv[1], "ASYNC") && !isOption(argv[1], "SYNC"))) {
    throw syntaxError();
  }
  keyspace.flush();
  return "OK";
}
