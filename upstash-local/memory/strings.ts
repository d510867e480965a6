// String commands: GET, SET and its options, MGET, MSET, INCR and friends.
import { CommandError } from "../errors.ts";
import type { Argv, Reply } from "../protocol.ts";
import {
  checkInt64, parseInt64, parseInteger, syntaxError, wrongArity, type CommandTable,
} from "./arguments.ts";
import type { Keyspace } from "./keyspace.ts";

export const stringCommands: CommandTable = {
  GET: { arity: 2, run: (keyspace, argv) => keyspace.read(argv[1], "string") ?? null },
  SET: { arity: -3, run: set },
  // Redis counts bytes, not UTF-16 units.
  STRLEN: { arity: 2, run: (keyspace, argv) => Buffer.byteLength(keyspace.read(argv[1], "string") ?? "") },
  MGET: {
    arity: -2,
    run(keyspace, argv) {
      const values: Reply[] = new Array(argv.length - 1);
      // MGET answers nil for a key of another type instead of WRONGTYPE.
      for (let i = 1; i < argv.length; i++) {
        values[i - 1] = keyspace.typeOf(argv[i]) === "string" ? keyspace.read(argv[i], "string")! : null;
      }
      return values;
    },
  },
  MSET: {
    arity: -3,
    run(keyspace, argv) {
      if (argv.length % 2 === 0) throw wrongArity(argv);
      for (let i = 1; i < argv.length; i += 2) keyspace.write(argv[i], { type: "string", value: argv[i + 1] });
      return "OK";
    },
  },
  INCR: { arity: 2, run: (keyspace, argv) => incrementBy(keyspace, argv[1], 1n) },
  DECR: { arity: 2, run: (keyspace, argv) => incrementBy(keyspace, argv[1], -1n) },
  INCRBY: { arity: 3, run: (keyspace, argv) => incrementBy(keyspace, argv[1], parseInt64(argv[2])) },
  DECRBY: { arity: 3, run: (keyspace, argv) => incrementBy(keyspace, argv[1], -parseInt64(argv[2])) },
};

function incrementBy(keyspace: Keyspace, key: string, by: bigint): number {
  const current = keyspace.read(key, "string");
  const next = checkInt64((current === undefined ? 0n : parseInt64(current)) + by);
  // INCR keeps the key's expiry, unlike SET.
  keyspace.write(key, { type: "string", value: next.toString() }, keyspace.expiryOf(key) ?? 0);
  return Number(next);
}

/** SET key value [NX | XX] [GET] [EX s | PX ms | EXAT s | PXAT ms | KEEPTTL] */
function set(keyspace: Keyspace, argv: Argv): Reply {
  const [, key, value] = argv;
  let condition: "NX" | "XX" | undefined;
  let returnOld = false;
  let expiry: { unit: "EX" | "PX" | "EXAT" | "PXAT"; amount: string } | "KEEPTTL" | undefined;
  for (let i = 3; i < argv.length; i++) {
    const option = argv[i].toUpperCase();
    if ((option === "NX" || option === "XX") && condition === undefined) condition = option;
    else if (option === "GET" && !returnOld) returnOld = true;
    else if (option === "KEEPTTL" && expiry === undefined) expiry = "KEEPTTL";
    else if (
      (option === "EX" || option === "PX" || option === "EXAT" || option === "PXAT") &&
      expiry === undefined && i + 1 < argv.length
    ) {
      expiry = { unit: option, amount: argv[++i] };
    } else {
      throw syntaxError();
    }
  }

  let expiresAt = 0;
  if (expiry !== undefined && expiry !== "KEEPTTL") {
    const amount = parseInteger(expiry.amount);
    if (amount <= 0) throw new CommandError("ERR invalid expire time in 'set' command");
    const now = Date.now();
    expiresAt = { EX: now + amount * 1000, PX: now + amount, EXAT: amount * 1000, PXAT: amount }[expiry.unit];
  }

  // GET reads (and type-checks) the old value before anything is written.
  const old = returnOld ? (keyspace.read(key, "string") ?? null) : null;
  const exists = keyspace.has(key);
  if ((condition === "NX" && exists) || (condition === "XX" && !exists)) {
    return returnOld ? old : null;
  }
  if (expiry === "KEEPTTL") expiresAt = keyspace.expiryOf(key) ?? 0;
  keyspace.write(key, { type: "string", value }, expiresAt);
  return returnOld ? old : "OK";
}
