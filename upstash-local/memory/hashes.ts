// Hash commands. A Map keeps insertion order, which is also the order Redis
// replies in for the small hashes this project stores.
import { CommandError } from "../errors.ts";
import type { Reply } from "../protocol.ts";
import { checkInt64, parseInt64, wrongArity, type CommandTable } from "./arguments.ts";

export const hashCommands: CommandTable = {
  HSET: {
    arity: -4,
    run(keyspace, argv) {
      if (argv.length % 2 === 1) throw wrongArity(argv);
      const hash = keyspace.readForUpdate(argv[1], "hash");
      let added = 0;
      for (let i = 2; i < argv.length; i += 2) {
        if (!hash.has(argv[i])) added++;
        hash.set(argv[i], argv[i + 1]);
      }
      return added;
    },
  },
  HGET: { arity: 3, run: (keyspace, argv) => keyspace.read(argv[1], "hash")?.get(argv[2]) ?? null },
  HMGET: {
    arity: -3,
    run(keyspace, argv) {
      const hash = keyspace.read(argv[1], "hash");
      const values: Reply[] = new Array(argv.length - 2);
      for (let i = 2; i < argv.length; i++) values[i - 2] = hash?.get(argv[i]) ?? null;
      return values;
    },
  },
  HGETALL: {
    arity: 2,
    run(keyspace, argv) {
      const hash = keyspace.read(argv[1], "hash");
      const flat: Reply[] = [];
      if (hash !== undefined) for (const [field, value] of hash) flat.push(field, value);
      return flat;
    },
  },
  HKEYS: { arity: 2, run: (keyspace, argv) => [...(keyspace.read(argv[1], "hash")?.keys() ?? [])] },
  HVALS: { arity: 2, run: (keyspace, argv) => [...(keyspace.read(argv[1], "hash")?.values() ?? [])] },
  HEXISTS: { arity: 3, run: (keyspace, argv) => (keyspace.read(argv[1], "hash")?.has(argv[2]) ? 1 : 0) },
  HLEN: { arity: 2, run: (keyspace, argv) => keyspace.read(argv[1], "hash")?.size ?? 0 },
  HDEL: {
    arity: -3,
    run(keyspace, argv) {
      const hash = keyspace.read(argv[1], "hash");
      if (hash === undefined) return 0;
      let deleted = 0;
      for (let i = 2; i < argv.length; i++) if (hash.delete(argv[i])) deleted++;
      keyspace.dropIfEmpty(argv[1], hash.size);
      return deleted;
    },
  },
  HINCRBY: {
    arity: 4,
    run(keyspace, argv) {
      const by = parseInt64(argv[3]);
      const current = keyspace.read(argv[1], "hash")?.get(argv[2]);
      const next = checkInt64((current === undefined ? 0n : parseHashInteger(current)) + by);
      keyspace.readForUpdate(argv[1], "hash").set(argv[2], next.toString());
      return Number(next);
    },
  },
};

function parseHashInteger(text: string): bigint {
  try {
    return parseInt64(text);
  } catch (error) {
    throw new CommandError("ERR hash value is not an integer", { cause: error });
  }
}
