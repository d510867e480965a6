// The pointer move, as one Lua script run by EVAL: a compare-and-set on the
// live pointer with a fencing token. WATCH means nothing over Upstash's REST
// API (every request may land on another connection), so the check and the
// writes must be one script. The script refuses to move the pointer when it
// no longer holds the version the caller read (the caller reads again and
// retries), or when the live run is as new as the caller's or newer (data
// origin first, then run id: run ids come from one Postgres sequence, so a
// later run has a larger one). When it moves the pointer it persists the new
// version's keys and sets the retention TTL on every key of the version it
// displaces, in the same step, so no key is left without a TTL.
import type { Redis } from "@upstash/redis";

/** String: "origin|runId" of the live version, the fencing token the next commit must beat. */
export function fenceKey(prefix: string): string {
  return `${prefix}:live:fence`;
}

// KEYS: live, fence, versions, the new version's manifest, its other keys…, then the displaced version's keys.
// ARGV: expected live ("" for none), version, manifest JSON, trainedAt ms, retention s, cutoff ms,
//       origin, run id, fence on ("1"/"0"), count of the new version's keys after its manifest.
const SCRIPT = `
local live = redis.call('GET', KEYS[1]) or ''
if live ~= ARGV[1] then return {'moved', live} end
local fence = redis.call('GET', KEYS[2])
if ARGV[9] == '1' and fence then
  local origin, run = string.match(fence, '^([^|]*)|(%d+)$')
  if origin and (ARGV[7] < origin or (ARGV[7] == origin and tonumber(ARGV[8]) <= tonumber(run))) then
    return {'superseded', fence}
  end
end
local own = 4 + tonumber(ARGV[10])
redis.call('SET', KEYS[4], ARGV[3])
for i = 5, own do redis.call('PERSIST', KEYS[i]) end
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
if live ~= '' and live ~= ARGV[2] then
  for i = own + 1, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[5]) end
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], 0, ARGV[6])
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[7] .. '|' .. ARGV[8])
return {'ok', live}
`;

export interface CommitRequest {
  prefix: string;
  version: string;
  manifest: string;
  trainedAt: number;
  retentionSeconds: number;
  origin: string;
  runId: number;
  fence: boolean;
  /** Keys: the live pointer and version list, and every key a version owns (its manifest first). */
  keys: { live: string; versions: string; versionKeys: (version: string) => string[] };
}

export type CommitOutcome =
  | { moved: true; previous: string | null }
  | { moved: false; superseded: string };

/** Attempts before giving up when the pointer keeps moving under us (another writer, or an operator's rollback). */
const ATTEMPTS = 5;

export async function commitPointer(redis: Redis, request: CommitRequest): Promise<CommitOutcome> {
  const { keys } = request;
  let expected = (await redis.get<string>(keys.live)) ?? "";
  for (let attempt = 1; ; attempt++) {
    const own = keys.versionKeys(request.version);
    const displaced = expected && expected !== request.version ? keys.versionKeys(expected) : [];
    const reply = await redis.eval(SCRIPT, [keys.live, fenceKey(request.prefix), keys.versions, ...own, ...displaced], [
      expected, request.version, request.manifest, String(request.trainedAt), String(request.retentionSeconds),
      String(request.trainedAt - request.retentionSeconds * 1000), request.origin, String(request.runId),
      request.fence ? "1" : "0", String(own.length - 1),
    ]) as [string, string];
    const [status, detail] = reply;
    if (status === "ok") return { moved: true, previous: detail === "" ? null : detail };
    if (status === "superseded") return { moved: false, superseded: detail };
    if (attempt >= ATTEMPTS) throw new Error(`the live pointer moved ${ATTEMPTS} times while committing ${request.version}`);
    expected = detail;
  }
}
