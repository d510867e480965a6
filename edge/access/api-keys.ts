// Checks read API keys against the store, where the trainer's `keys` command
// keeps only their SHA-256 (a leaked store dump reveals no usable key). The
// answer is kept in isolate memory for a minute, so revoking a key takes
// effect within API_KEY_CACHE_MS everywhere and a hot key costs no store read.
import type { Redis } from "@upstash/redis/cloudflare";
import { sha256Hex } from "../contract/api-keys.ts";
import { API_KEY_PATTERN, edgeKeys, type ApiKeyRecord } from "../contract/edge-keys.ts";
import type { EdgeConfig } from "../config.ts";
import { UnauthorizedError } from "../errors.ts";
import { MemoryCache } from "../memory-cache.ts";
import { storeCall } from "../store.ts";

export const API_KEY_CACHE_MS = 60_000;

const known = new MemoryCache<{ record: ApiKeyRecord | null; until: number }>({ maxEntries: 10_000, maxBytes: 4 * 1024 * 1024 });

/** The key a request carries: X-API-Key, or Authorization: Bearer fk_…. */
export function presentedKey(headers: Headers): string | null {
  const header = headers.get("X-API-Key")?.trim();
  if (header) return header;
  const auth = headers.get("Authorization")?.trim();
  const bearer = auth && /^Bearer\s+(fk_\S+)$/i.exec(auth);
  return bearer ? bearer[1]! : null;
}

/** The key's record, or a 401 naming what is wrong. */
export async function checkApiKey(config: EdgeConfig, redis: Redis, key: string | null): Promise<ApiKeyRecord> {
  if (key === null) {
    throw new UnauthorizedError("api_key_required", "this API needs a key (REQUIRE_API_KEY=on): send it as X-API-Key: fk_… or Authorization: Bearer fk_…; operators create keys with `npm run trainer -- keys create --name <who>`");
  }
  if (!API_KEY_PATTERN.test(key)) {
    throw new UnauthorizedError("api_key_invalid", "the API key is malformed: keys look like fk_<8 characters>_<32 characters>");
  }
  const hash = await sha256Hex(key);
  const slot = `${config.keyPrefix}|${hash}`;
  const now = Date.now();
  let entry = known.get(slot);
  if (!entry || entry.until <= now) {
    const raw = await storeCall(config, "GET api key", () => redis.get<string>(edgeKeys(config.keyPrefix).apiKey(hash)));
    entry = { record: raw === null ? null : (JSON.parse(raw) as ApiKeyRecord), until: now + API_KEY_CACHE_MS };
    known.set(slot, entry, 256);
  }
  if (!entry.record) throw new UnauthorizedError("api_key_invalid", "the API key is not known or was revoked: ask the operator for a current key");
  return entry.record;
}

/** Constant-time comparison of a presented secret with the configured one. */
export async function secretsEqual(presented: string, expected: string): Promise<boolean> {
  // Comparing digests makes the inputs equal in length, so the time says nothing about either.
  const [a, b] = await Promise.all([presented, expected].map(async (text) => new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))));
  return (crypto.subtle as SubtleCrypto & { timingSafeEqual(a: ArrayBufferView, b: ArrayBufferView): boolean }).timingSafeEqual(a!, b!);
}
