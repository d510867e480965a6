import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { issueApiKey, listApiKeys, revokeApiKey, sha256Hex } from "../../edge/contract/api-keys.ts";
import { edgeKeys } from "../../edge/contract/edge-keys.ts";
import { isolatedStore, type TestStore } from "../support/store.ts";

describe("read API keys in the store (trainer keys create|list|revoke)", () => {
  let store: TestStore;
  beforeEach(async () => {
    store = await isolatedStore();
  });
  afterEach(() => store.close());

  it("issues keys stored only as hashes, lists them oldest first, revokes by id", async () => {
    const first = await issueApiKey(store.redis, store.prefix, "dashboard", new Date("2026-11-01T00:00:00Z"));
    const second = await issueApiKey(store.redis, store.prefix, "batch", new Date("2026-11-02T00:00:00Z"));
    expect(first.key).toMatch(new RegExp(`^fk_${first.id}_[A-Za-z0-9]{32}$`));
    expect(first.key).not.toBe(second.key);
    const k = edgeKeys(store.prefix);
    expect(JSON.parse((await store.redis.get<string>(k.apiKey(await sha256Hex(first.key))))!)).toEqual({ id: first.id, name: "dashboard", createdAt: "2026-11-01T00:00:00.000Z" });
    for (const name of await store.redis.keys(`${store.prefix}:*`)) expect(name).not.toContain(first.key.slice(12));

    expect(await listApiKeys(store.redis, store.prefix)).toEqual([
      { id: first.id, name: "dashboard", createdAt: "2026-11-01T00:00:00.000Z" },
      { id: second.id, name: "batch", createdAt: "2026-11-02T00:00:00.000Z" },
    ]);
    expect(await revokeApiKey(store.redis, store.prefix, first.id)).toBe(true);
    expect(await store.redis.get(k.apiKey(await sha256Hex(first.key)))).toBeNull();
    expect((await listApiKeys(store.redis, store.prefix)).map((key) => key.id)).toEqual([second.id]);
    expect(await revokeApiKey(store.redis, store.prefix, first.id)).toBe(false);
    expect(await revokeApiKey(store.redis, store.prefix, "../../x")).toBe(false);
  });
});
