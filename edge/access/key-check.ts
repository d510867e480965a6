// Checks read API keys against the key index the trainer's `keys` command
// keeps in the store (id → name, created-at and the key's SHA-256; the store
// never holds a key). Each isolate keeps the whole index in memory and reads
// it again at most every API_KEY_CACHE_MS, so a revocation takes effect
// within that time everywhere, a hot key costs no store read, and a key whose
// id is not in the index is refused without one: random keys cannot make the
// Worker read the store per request, nor push real keys out of a cache.
import type { Redis } from "@upstash/redis/cloudflare";
import { sha256Hex } from "../contract/digest.ts";
import { API_KEY_PATTERN, edgeKeys, type ApiKeyRecord } from "../contract/edge-keys.ts";
import { hashEntries } from "../contract/replies.ts";
import type { EdgeConfig } from "../config.ts";
import { UnauthorizedError } from "../errors.ts";
import { storeCall } from "../store.ts";

export const API_KEY_CACHE_MS = 60_000;
/** A key id the index lacks re-reads it after this long, so a key issued a moment ago works within seconds. */
export const UNKNOWN_ID_RECHECK_MS = 5_000;

interface KeyIndex {
  readAt: number;
  /** The last re-read for an unknown id: one per UNKNOWN_ID_RECHECK_MS, however many requests ask. */
  recheckedAt: number;
  byId: Map<string, ApiKeyRecord & { hash: string }>;
  /** Full keys already verified against their hash in this index: no digest per request. */
  verified: Map<string, ApiKeyRecord>;
}

const indexes = new Map<string, KeyIndex>();
const MAX_VERIFIED = 10_000;

/** The key a request carries: X-API-Key, or Authorization: Bearer fk_…. */
export function presentedKey(headers: Headers): string | null {
  const header = headers.get("X-API-Key");
  if (header) return header.trim();
  const auth = headers.get("Authorization");
  if (!auth) return null;
  const bearer = /^Bearer\s+(fk_\S+)$/i.exec(auth.trim());
  return bearer ? bearer[1]! : null;
}

async function readIndex(config: EdgeConfig, redis: Redis): Promise<KeyIndex> {
  const reply = await storeCall(config, "HGETALL api key index", () => redis.hgetall(edgeKeys(config.keyPrefix).apiKeyIndex));
  const byId = new Map<string, ApiKeyRecord & { hash: string }>();
  for (const [id, raw] of hashEntries(reply)) {
    const { name, createdAt, hash } = JSON.parse(raw) as { name: string; createdAt: string; hash: string };
    byId.set(id, { id, name, createdAt, hash });
  }
  const index = { readAt: Date.now(), recheckedAt: Date.now(), byId, verified: new Map() };
  if (indexes.size > 16) indexes.clear();
  indexes.set(config.keyPrefix, index);
  return index;
}

/** The record of a presented key, or null when the key is not (or no longer) issued. Throws only for a store failure. */
export async function lookUpKey(config: EdgeConfig, redis: Redis, key: string): Promise<ApiKeyRecord | null> {
  const match = API_KEY_PATTERN.exec(key);
  if (!match) return null;
  const id = match[1]!;
  const now = Date.now();
  let index = indexes.get(config.keyPrefix);
  if (!index || now - index.readAt >= API_KEY_CACHE_MS) index = await readIndex(config, redis);
  const known = index.verified.get(key);
  if (known) return known;
  let entry = index.byId.get(id);
  if (!entry && now - index.recheckedAt >= UNKNOWN_ID_RECHECK_MS) {
    index.recheckedAt = now;
    index = await readIndex(config, redis);
    entry = index.byId.get(id);
  }
  if (!entry || (await sha256Hex(key)) !== entry.hash) return null;
  const record: ApiKeyRecord = { id: entry.id, name: entry.name, createdAt: entry.createdAt };
  if (index.verified.size >= MAX_VERIFIED) index.verified.clear();
  index.verified.set(key, record);
  return record;
}

export const missingKey = () =>
  new UnauthorizedError("api_key_required", "this API needs a key (REQUIRE_API_KEY=on): send it as X-API-Key: fk_… or Authorization: Bearer fk_…; operators create keys with `npm run trainer -- keys create --name <who>`");

export const invalidKey = (key: string) =>
  API_KEY_PATTERN.test(key)
    ? new UnauthorizedError("api_key_invalid", "the API key is not known or was revoked: ask the operator for a current key")
    : new UnauthorizedError("api_key_invalid", "the API key is malformed: keys look like fk_<8 characters>_<32 characters>");
