// Issuing, revoking and listing read API keys: used by the trainer's `keys`
// command and by the tests, in Node and in workerd alike (Web Crypto only).
// The store keeps the SHA-256 of each key, never the key: keys are 190 random
// bits, so a fast hash is enough, and it lets the Worker check a key with one
// GET and no Postgres.
import type { Redis } from "@upstash/redis";
import { sha256Hex } from "./digest.ts";
import { API_KEY_ID_PATTERN, edgeKeys, type ApiKeyRecord } from "./edge-keys.ts";
import { hashEntries } from "./replies.ts";

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER = "abcdefghijklmnopqrstuvwxyz0123456789";

/** Only what these functions use, so either @upstash/redis build fits. */
type KeyStore = Pick<Redis, "multi" | "hget" | "hgetall">;

function randomText(alphabet: string, length: number): string {
  // Rejection sampling keeps every character equally likely.
  const limit = 256 - (256 % alphabet.length);
  let out = "";
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

export { sha256Hex };

export interface IssuedKey extends ApiKeyRecord {
  /** The key itself: shown once, never stored. */
  key: string;
}

export async function issueApiKey(redis: KeyStore, prefix: string, name: string, now = new Date()): Promise<IssuedKey> {
  const id = randomText(LOWER, 8);
  const key = `fk_${id}_${randomText(ALPHANUMERIC, 32)}`;
  const hash = await sha256Hex(key);
  const record: ApiKeyRecord = { id, name, createdAt: now.toISOString() };
  const k = edgeKeys(prefix);
  const tx = redis.multi();
  tx.set(k.apiKey(hash), JSON.stringify(record));
  tx.hset(k.apiKeyIndex, { [id]: JSON.stringify({ name, createdAt: record.createdAt, hash }) });
  await tx.exec();
  return { ...record, key };
}

/** Revokes by id; false when no such key exists. */
export async function revokeApiKey(redis: KeyStore, prefix: string, id: string): Promise<boolean> {
  if (!API_KEY_ID_PATTERN.test(id)) return false;
  const k = edgeKeys(prefix);
  const raw = await redis.hget<string>(k.apiKeyIndex, id);
  if (raw === null || raw === undefined) return false;
  const { hash } = JSON.parse(String(raw)) as { hash: string };
  const tx = redis.multi();
  tx.del(k.apiKey(hash));
  tx.hdel(k.apiKeyIndex, id);
  await tx.exec();
  return true;
}

export async function listApiKeys(redis: KeyStore, prefix: string): Promise<ApiKeyRecord[]> {
  return hashEntries(await redis.hgetall(edgeKeys(prefix).apiKeyIndex))
    .map(([id, raw]) => {
      const { name, createdAt } = JSON.parse(raw) as { name: string; createdAt: string };
      return { id, name, createdAt };
    })
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}
