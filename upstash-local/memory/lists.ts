// List commands, enough for a work queue: LPUSH by producers, RPOP (oldest
// first) by consumers. The array's head is the list's left end, as in Redis.
import type { Argv, Reply } from "../protocol.ts";
import { parseInteger, wrongArity, type CommandTable } from "./arguments.ts";
import type { Keyspace } from "./keyspace.ts";

export const listCommands: CommandTable = {
  LPUSH: {
    arity: -3,
    run(keyspace, argv) {
      const list = keyspace.readForUpdate(argv[1], "list");
      for (let i = 2; i < argv.length; i++) list.unshift(argv[i]);
      return list.length;
    },
  },
  RPUSH: {
    arity: -3,
    run(keyspace, argv) {
      const list = keyspace.readForUpdate(argv[1], "list");
      list.push(...argv.slice(2));
      return list.length;
    },
  },
  RPOP: { arity: -2, run: (keyspace, argv) => pop(keyspace, argv, "right") },
  LPOP: { arity: -2, run: (keyspace, argv) => pop(keyspace, argv, "left") },
  LLEN: { arity: 2, run: (keyspace, argv) => keyspace.read(argv[1], "list")?.length ?? 0 },
  LRANGE: {
    arity: 4,
    run(keyspace, argv) {
      const list = keyspace.read(argv[1], "list") ?? [];
      const n = list.length;
      let start = parseInteger(argv[2]);
      let stop = parseInteger(argv[3]);
      if (start < 0) start = Math.max(0, n + start);
      if (stop < 0) stop = n + stop;
      return start > stop ? [] : list.slice(start, Math.min(stop, n - 1) + 1);
    },
  },
};

/** [LR]POP key [count]: one element (or nil) without a count, an array (or nil) with one. */
function pop(keyspace: Keyspace, argv: Argv, end: "left" | "right"): Reply {
  if (argv.length > 3) throw wrongArity(argv);
  const list = keyspace.read(argv[1], "list");
  const count = argv.length === 3 ? parseInteger(argv[2]) : undefined;
  if (list === undefined) return null;
  const taken = end === "right" ? list.splice(Math.max(0, list.length - (count ?? 1))).reverse() : list.splice(0, count ?? 1);
  keyspace.dropIfEmpty(argv[1], list.length);
  return count === undefined ? (taken[0] ?? null) : taken;
}
