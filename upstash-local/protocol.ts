// Upstash's REST protocol, minus HTTP: what a command is, what a backend
// answers, and how an answer is written back as JSON.
import { RequestError } from "./errors.ts";

/** One Redis command as sent to Redis: name first, then its arguments. */
export type Argv = string[];

/** A Redis reply: bulk/simple strings (Buffers from real Redis), integers, nil, arrays. */
export type Reply = string | Buffer | number | null | Reply[];

/** One entry of a pipeline or transaction answer. */
export type Outcome = { result: Reply } | { error: string };

export interface Backend {
  readonly kind: "redis" | "memory";
  /** Throws CommandError for a Redis error reply, BackendUnavailableError when the store is gone. */
  command(argv: Argv): Promise<Reply>;
  /** Commands run in order; a failing one does not stop the others. */
  pipeline(commands: Argv[]): Promise<Outcome[]>;
  /** All or nothing, without interleaving; throws CommandError (EXECABORT) when Redis would refuse to queue. */
  transaction(commands: Argv[]): Promise<Outcome[]>;
  close(): Promise<void>;
}

/** Checks one JSON command (`["SET","k","v"]`); numbers and booleans become strings, as Redis sees them. */
export function toArgv(value: unknown): Argv {
  if (!Array.isArray(value) || value.length === 0) {
    throw new RequestError(400, "ERR a command must be a non-empty JSON array such as [\"GET\",\"key\"]");
  }
  if (typeof value[0] !== "string" || value[0] === "") {
    throw new RequestError(400, "ERR the first element of a command must be the command name");
  }
  for (let i = 1; i < value.length; i++) {
    const arg = value[i];
    if (typeof arg === "string") continue;
    if (typeof arg === "number" || typeof arg === "boolean") {
      value[i] = String(arg);
      continue;
    }
    throw new RequestError(400, `ERR argument ${i} of '${value[0]}' must be a string or a number`);
  }
  return value as Argv;
}

/** Checks a pipeline or transaction body: an array of commands. */
export function toArgvList(value: unknown): Argv[] {
  if (!Array.isArray(value)) {
    throw new RequestError(400, "ERR a pipeline must be a JSON array of commands such as [[\"GET\",\"key\"]]");
  }
  for (let i = 0; i < value.length; i++) value[i] = toArgv(value[i]);
  return value as Argv[];
}

const OK = "OK";

/**
 * Writes a reply as Upstash does. With `Upstash-Encoding: base64` every string
 * is base64 of its bytes except a top-level "OK": @upstash/redis keeps a
 * top-level "OK" as is but base64-decodes every string inside an array, so an
 * "OK" nested in an array must be encoded too.
 */
export function encodeReply(reply: Reply, base64: boolean): unknown {
  if (reply === null || typeof reply === "number") return reply;
  if (!base64) return plain(reply);
  if (reply === OK || (Buffer.isBuffer(reply) && reply.length === 2 && reply[0] === 0x4f && reply[1] === 0x4b)) {
    return OK;
  }
  return toBase64(reply);
}

function plain(reply: Reply): unknown {
  if (typeof reply === "string" || reply === null || typeof reply === "number") return reply;
  if (Buffer.isBuffer(reply)) return reply.toString("utf8");
  return reply.map(plain);
}

function toBase64(reply: Reply): unknown {
  if (typeof reply === "string") return Buffer.from(reply, "utf8").toString("base64");
  if (reply === null || typeof reply === "number") return reply;
  if (Buffer.isBuffer(reply)) return reply.toString("base64");
  return reply.map(toBase64);
}

export function encodeOutcomes(outcomes: Outcome[], base64: boolean): unknown[] {
  const encoded = new Array<unknown>(outcomes.length);
  for (let i = 0; i < outcomes.length; i++) {
    const outcome = outcomes[i];
    encoded[i] = "error" in outcome ? outcome : { result: encodeReply(outcome.result, base64) };
  }
  return encoded;
}
