import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeBinary } from "../../edge/binary-format.ts";
import { decodeStored, fromBase64, gunzip } from "../../edge/contract/codec.ts";
import { edgeKeys } from "../../edge/contract/edge-keys.ts";
import { keys } from "../../edge/contract/keys.ts";
import { gridCachePath, hotGridMember, canonicalGridQuery } from "../../edge/contract/grid.ts";
import { hashEntries } from "../../edge/contract/replies.ts";
import { publishPrefetch } from "../../trainer/publish/prefetch.ts";
import { catalogue, publishVersion, seriesPayload, stepPayload } from "../edge/publish.ts";
import { isolatedStore, type TestStore } from "../support/store.ts";

const whole = canonicalGridQuery({ city: "*", store: "*", product: "*" });

describe("publishPrefetch", () => {
  let store: TestStore;
  beforeEach(async () => {
    store = await isolatedStore();
  });
  afterEach(() => store.close());

  it("publishes the whole grid per horizon and the top N hot grids, JSON and binary, under the Worker's cache paths", async () => {
    const { version, manifest } = await publishVersion(store.redis, catalogue(2, 2, 2), { prefix: store.prefix, skip: ["c1/s1/p2"] });
    const k = edgeKeys(store.prefix);
    const hottest = canonicalGridQuery({ city: ["c1"], store: "*", product: "*" });
    const second = canonicalGridQuery({ city: "*", store: ["s3"], product: ["p1"] });
    const cold = canonicalGridQuery({ city: "*", store: "*", product: ["p2"] });
    await store.redis.zadd(k.hotGrids,
      { score: 50, member: hotGridMember(7, hottest) },
      { score: 30, member: hotGridMember(60, whole) },
      { score: 20, member: hotGridMember(30, second) },
      { score: 10, member: "h30|garbage" },
      { score: 1, member: hotGridMember(60, cold) });

    const report = await publishPrefetch(store.redis, { prefix: store.prefix, version, manifest, topN: 4, ttlSeconds: 600 });
    // The whole grids of 7, 30 and 60 days, then the hot ones not among them; the malformed one is skipped.
    expect(report).toMatchObject({ published: 5, skipped: 1 });
    expect(report.grids).toEqual([hotGridMember(7, whole), hotGridMember(30, whole), hotGridMember(60, whole), hotGridMember(7, hottest), hotGridMember(30, second)]);
    const bodies = Object.fromEntries(hashEntries(await store.redis.hgetall(k.prefetch(version))));
    const paths = await Promise.all(report.grids.map((member) => {
      const [h, canonical] = member.split("|") as [string, string];
      return gridCachePath(version, Number(h.slice(1)), canonical).then((p) => `s2/${p.cachePath}`);
    }));
    // Shape 2 and binary layout 3, at the paths the Worker reads by default.
    expect(Object.keys(bodies).sort()).toEqual([...paths, ...paths.map((p) => `bin3/${p}`)].sort());

    const first = paths[3]!;
    const grid = await decodeStored<{ version: string; h: number; series: unknown[]; missing: string[] }>(bodies[first]!);
    expect(grid).toMatchObject({ version, h: 7, missing: ["c1/s1/p2"] });
    expect(grid.series).toHaveLength(3);
    expect(grid.series[0]).toEqual({ city: "c1", store: "s1", product: "p1", ...stepPayload(version, "2026-10-31", 7, "c1", "s1", "p1") });
    const binary = decodeBinary(await gunzip(fromBase64(bodies[`bin3/${first}`]!)));
    expect(binary.series.map((s) => s.product)).toEqual(["p1", "p1", "p2"]);
    expect(Array.from(binary.arrays[0]!.point)).toEqual(seriesPayload(version, "2026-10-31", 7, "c1", "s1", "p1").point);
    // Staged like the version's other keys until its commit persists them.
    const ttl = await store.redis.ttl(k.prefetch(version));
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
    expect(keys(store.prefix).versionKeys(version)).toContain(k.prefetch(version));
  });

  it("publishes the whole grids without hot requests, skips grids over the series limit, and nothing with PREFETCH_TOP_N=0", async () => {
    const { version, manifest } = await publishVersion(store.redis, catalogue(1, 1, 1), { prefix: store.prefix });
    expect(await publishPrefetch(store.redis, { prefix: store.prefix, version, manifest, topN: 0, ttlSeconds: 60 })).toMatchObject({ published: 0, grids: [] });
    expect(await store.redis.exists(edgeKeys(store.prefix).prefetch(version))).toBe(0);
    expect(await publishPrefetch(store.redis, { prefix: store.prefix, version, manifest, topN: 5, ttlSeconds: 60 })).toMatchObject({ published: 3, skipped: 0 });

    const big = await publishVersion(store.redis, catalogue(11, 10, 10), { prefix: store.prefix });
    expect(await publishPrefetch(store.redis, { prefix: store.prefix, version: big.version, manifest: big.manifest, topN: 5, ttlSeconds: 60 }))
      .toMatchObject({ published: 0, skipped: 3, grids: [] });
  });
});
