// Real Redis behind the REST endpoint: every command goes through unchanged,
// so Redis itself decides replies and error texts.
import { Redis } from "ioredis";
import { BackendUnavailableError, CommandError, execAbort } from "./errors.ts";
import type { Argv, Backend, Outcome, Reply } from "./protocol.ts";

// Every request shares one connection, so commands that change connection
// state or block it would leak into other callers' requests.
const CONNECTION_STATE_COMMANDS = new Set([
  "AUTH", "HELLO", "SELECT", "RESET", "QUIT", "CLIENT", "MONITOR", "SYNC", "PSYNC",
  "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH",
  "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE",
  "BLPOP", "BRPOP", "BLMOVE", "BRPOPLPUSH", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP", "WAIT",
]);

export async function connectRedisBackend(redisUrl: string): Promise<Backend> {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectionName: "upstash-local",
    // Fail a request after one reconnect attempt instead of holding it for
    // ~20: the REST caller gets a 503 it can act on.
    maxRetriesPerRequest: 1,
    // Integer replies arrive as digit strings (bulk strings stay Buffers), so
    // fromRedis can round them exactly; ioredis's own parse drifts past 2^53.
    stringNumbers: true,
  });
  let lastConnectionError: Error | undefined;
  // Without a listener ioredis prints every reconnect failure as unhandled.
  redis.on("error", (error: Error) => {
    lastConnectionError = error;
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new BackendUnavailableError(`cannot reach Redis at ${redactUrl(redisUrl)}`, { cause: error });
  }

  function unavailable(cause: unknown): BackendUnavailableError {
    return new BackendUnavailableError(`Redis at ${redactUrl(redisUrl)} is unavailable`, {
      cause: cause ?? lastConnectionError,
    });
  }

  return {
    kind: "redis",

    async command(argv) {
      const name = allowedName(argv);
      try {
        return fromRedis(await redis.callBuffer(name, ...argv.slice(1)));
      } catch (error) {
        throw isReplyError(error) ? new CommandError(error.message) : unavailable(error);
      }
    },

    async pipeline(commands) {
      const pipeline = redis.pipeline();
      const denied = new Map<number, string>();
      for (let i = 0; i < commands.length; i++) {
        try {
          pipeline.callBuffer(allowedName(commands[i]), ...commands[i].slice(1));
        } catch (error) {
          denied.set(i, (error as Error).message);
        }
      }
      const replies = denied.size === commands.length ? [] : await execBatch(pipeline, unavailable);
      const outcomes = new Array<Outcome>(commands.length);
      for (let i = 0, next = 0; i < commands.length; i++) {
        const reason = denied.get(i);
        outcomes[i] = reason === undefined ? toOutcome(replies[next++], unavailable) : { error: reason };
      }
      return outcomes;
    },

    async transaction(commands) {
      if (commands.length === 0) return [];
      const transaction = redis.multi();
      for (const argv of commands) {
        let name: string;
        try {
          name = allowedName(argv);
        } catch (error) {
          throw execAbort((error as Error).message);
        }
        transaction.callBuffer(name, ...argv.slice(1));
      }
      try {
        const replies = await execBatch(transaction, unavailable);
        return replies.map((reply) => toOutcome(reply, unavailable));
      } catch (error) {
        if (!isReplyError(error)) throw error;
        // Redis refused to queue a command; name the first reason, as the memory backend does.
        const reasons = (error as { previousErrors?: Error[] }).previousErrors ?? [];
        throw execAbort(reasons[0]?.message ?? error.message);
      }
    },

    async close() {
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
  };
}

type Batch = ReturnType<Redis["pipeline"]>;
type BatchReply = [Error | null, unknown];

/** Runs a pipeline or MULTI batch; a Redis error reply for the whole batch (EXECABORT) is rethrown as is. */
async function execBatch(batch: Batch, unavailable: (cause: unknown) => Error): Promise<BatchReply[]> {
  let replies: BatchReply[] | null;
  try {
    replies = await batch.exec();
  } catch (error) {
    if (isReplyError(error)) throw error;
    throw unavailable(error);
  }
  if (replies === null) throw unavailable(undefined);
  return replies;
}

function toOutcome([error, result]: BatchReply, unavailable: (cause: unknown) => Error): Outcome {
  if (error === null) return { result: fromRedis(result) };
  if (isReplyError(error)) return { error: error.message };
  throw unavailable(error);
}

function allowedName(argv: Argv): string {
  const name = argv[0];
  if (CONNECTION_STATE_COMMANDS.has(name.toUpperCase())) {
    throw new CommandError(`ERR '${name}' is not supported over REST: every request shares one Redis connection`);
  }
  // ioredis turns a reply to "hgetall" (its lower-case spelling only) into an
  // object; any other spelling reaches Redis untouched and keeps the array.
  return name === "hgetall" ? "HGETALL" : name;
}

/** Buffers stay bytes (base64 is taken from them directly); digit strings are integer replies. */
function fromRedis(reply: unknown): Reply {
  if (Buffer.isBuffer(reply) || reply === null) return reply;
  if (typeof reply === "string") return Number(reply);
  if (Array.isArray(reply)) return reply.map(fromRedis);
  // An error nested in an array (a script's error table) is answered as its text.
  if (reply instanceof Error) return reply.message;
  return reply as Reply;
}

function isReplyError(error: unknown): error is Error {
  return error instanceof Error && error.name === "ReplyError";
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "<unparseable url>";
  }
}
