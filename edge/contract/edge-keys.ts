// The Redis keys of the Worker's operational state, shared with the trainer's
// commands that write or read them (API keys, hot-request counters, prefetch).
import { keys } from "./keys.ts";

/** Read API keys look like fk_<id>_<secret>; the id names the key in lists and revocations. */
export const API_KEY_PATTERN = /^fk_([a-z0-9]{8})_([A-Za-z0-9]{32})$/;
export const API_KEY_ID_PATTERN = /^[a-z0-9]{8}$/;

/** What the store keeps about a key: never the key itself, only its SHA-256. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  createdAt: string;
}

// Built once per prefix: the Worker asks for them on every request it samples.
const built = new Map<string, EdgeKeys>();

export function edgeKeys(prefix: string): EdgeKeys {
  let known = built.get(prefix);
  if (!known) {
    if (built.size > 16) built.clear();
    built.set(prefix, (known = buildEdgeKeys(prefix)));
  }
  return known;
}

export type EdgeKeys = ReturnType<typeof buildEdgeKeys>;

function buildEdgeKeys(prefix: string) {
  const versionKeys = keys(prefix); // validates the prefix
  return {
    /** String: ApiKeyRecord JSON, under the hex SHA-256 of the full key. */
    apiKey: (sha256Hex: string) => `${prefix}:apikey:${sha256Hex}`,
    /** Hash: key id → JSON { name, createdAt, hash }, for listing and revoking by id. */
    apiKeyIndex: `${prefix}:apikeys`,
    /** Prefix of @upstash/ratelimit's own keys. */
    rateLimit: `${prefix}:ratelimit`,
    /** Hash: Prometheus series (name plus labels) → count, summed over isolates. */
    metrics: `${prefix}:metrics`,
    /** Sorted set: `h<h>|<canonical grid query>` → sampled request count. */
    hotGrids: `${prefix}:hot:grid`,
    /** Sorted set: `h<h>|city/store/product` → sampled request count. */
    hotSeries: `${prefix}:hot:series`,
    /** The version's published grid bodies (keys.ts), which the Cron Trigger warms. */
    prefetch: versionKeys.prefetch,
  };
}
