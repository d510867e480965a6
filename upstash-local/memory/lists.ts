// List commands, enough for a reliable work queue: LPUSH by producers, LMOVE
// (oldest first) into a processing list by consumers, LREM once done. The
// array's head is the list's left end, as in Redis.
import type { Argv, Reply } from "../protocol.ts";
import { isOption, parseInteger, syntaxError, wrongArity, type CommandTable } from "./arguments.ts";
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
  LMOVE: {
    arity: 5,
    run(keyspace, argv) {
      const from = side(argv[3]);
      const to = side(argv[4]);
      const source = keyspace.read(argv[1], "list");
      if (source === undefined) return null;
      // Checked before anything moves, so a wrong-type destination leaves the source whole.
      const destination = keyspace.readForUpdate(argv[2], "list");
      const element = from === "left" ? source.shift()! : source.pop()!;
      if (argv[1] !== argv[2]) keyspace.dropIfEmpty(argv[1], source.length);
      if (to === "left") destination.unshift(element);
      else destination.push(element);
      return element;
    },
  },
  LREM: {
    arity: 4,
    run(keyspace, argv) {
      const list = keyspace.read(argv[1], "list");
      const count = parseInteger(argv[2]);
      if (list === undefined) return 0;
      const limit = count === 0 ? Infinity : Math.abs(count);
      let removed = 0;
      if (count >= 0) {
        for (let i = 0; i < list.length && removed < limit;) {
          if (list[i] === argv[3]) {
            list.splice(i, 1);
            removed++;
          } else i++;
        }
      } else {
        for (let i = list.length - 1; i >= 0 && removed < limit; i--) {
          if (list[i] === argv[3]) {
            list.splice(i, 1);
            removed++;
          }
        }
      }
      keyspace.dropIfEmpty(argv[1], list.length);
      return removed;
    },
  },
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

function side(arg: string): "left" | "right" {
  if (isOption(arg, "LEFT")) return "left";
  if (isOption(arg, "RIGHT")) return "right";
  throw syntaxError();
}
