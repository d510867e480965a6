import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeStored } from "../../edge/contract/codec.ts";
import { edgeKeys } from "../../edge/contract/edge-keys.ts";
import { gridCachePath, hotGridMember, canonicalGridQuery } from "../../edge/grid.ts";
import { hashEntries } from "../../edge/store.ts";
import { publishPrefetch } from "../../trainer/publish/prefetch.ts";
import { catalogue, publishVersion, seriesPayload } from "../edge/publish.ts";
import { isolatedStore, type TestStore } from "../support/store.ts";

describe("publishPrefetch", () => {
  let store: TestStore;
  beforeEach(async () => {
    store = await isolatedStore();
  });
  afterEach(() => store.close());

  it("publishes the top N hot grids as the Worker would build them, under the Worker's cache paths", async () => {
    const { version, manifest } = await publishVersion(store.redis, catalogue(2, 2, 2), { prefix: store.prefix, skip: ["c1/s1/p2"] });
    const k = edgeKeys(store.prefix);
    const hottest = canonicalGridQuery({ city: ["c1"], store: "*", product: "*" });
    const second = canonicalGridQuery({ city: "*", store: ["s3"], product: ["p1"] });
    const cold = canonicalGridQuery({ city: "*", store: "*", product: "*" });
    await store.redis.zadd(k.hotGrids,
      { score: 50, member: hotGridMember(7, hottest) },
      { score: 20, member: hotGridMember(30, second) },
      { score: 10, member: "h30|garbage" },
      { score: 1, member: hotGridMember(60, cold) });

    const report = await publishPrefetch(store.redis, { prefix: store.prefix, version, manifest, topN: 3, ttlSeconds: 600 });
    expect(report).toMatchObject({ published: 2, skipped: 1 });
    const bodies = Object.fromEntries(hashEntries(await store.redis.hgetall(k.prefetch(version))));
    const first = (await gridCachePath(version, 7, hottest)).cachePath;
    expect(Object.keys(bodies).sort()).toEqual([first, (await gridCachePath(version, 30, second)).cachePath].sort());
    const grid = await decodeStored<{ version: string; h: number; series: unknown[]; missing: string[] }>(bodies[first]!);
    expect(grid).toMatchObject({ version, h: 7, missing: ["c1/s1/p2"] });
    expect(grid.series).toHaveLength(3);
    expect(grid.series[0]).toEqual(seriesPayload(version, "2026-10-31", 7, "c1", "s1", "p1"));
    // They expire on their own after the retention window.
    const ttl = await store.redis.ttl(k.prefetch(version));
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
  });

  it("publishes nothing when PREFETCH_TOP_N is 0 or nothing is hot", async () => {
    const { version, manifest } = await publishVersion(store.redis, catalogue(1, 1, 1), { prefix: store.prefix });
    expect(await publishPrefetch(store.redis, { prefix: store.prefix, version, manifest, topN: 5, ttlSeconds: 60 })).toMatchObject({ published: 0 });
    await store.redis.zadd(edgeKeys(store.prefix).hotGrids, { score: 5, member: hotGridMember(7, canonicalGridQuery({ city: "*", store: "*", product: "*" })) });
    expect(await publishPrefetch(store.redis, { prefix: store.prefix, version, manifest, topN: 0, ttlSeconds: 60 })).toMatchObject({ published: 0 });
    expect(await store.redis.exists(edgeKeys(store.prefix).prefetch(version))).toBe(0);
  });
});
