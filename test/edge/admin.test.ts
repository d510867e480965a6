import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { keys } from "../../edge/contract/keys.ts";
import { retrainKeys, type RetrainRequest } from "../../edge/contract/retrain.ts";
import { edgeHarness, readJson, readSeries, type EdgeHarness, type RequestOptions } from "./harness.ts";
import { catalogue, publishVersion } from "./publish.ts";

const small = catalogue(1, 1, 1);
const ADMIN = "admin-token-for-tests-0123456789";

describe("admin: versions, pointer moves, retrain requests", () => {
  let edge: EdgeHarness;
  const admin = (path: string, options: RequestOptions = {}) =>
    edge.request(path, { ...options, env: { ADMIN_TOKEN: ADMIN, POINTER_TTL: "60", ...options.env }, headers: { Authorization: `Bearer ${ADMIN}`, ...options.headers } });
  beforeEach(() => {
    edge = edgeHarness();
  });
  afterEach(() => edge.cleanup());

  it("lists retained versions newest first, then moves the pointer back without a deploy", async () => {
    const old = await publishVersion(edge.redis, small, { prefix: edge.prefix, version: "20261101T000000Z-old1" });
    const current = await publishVersion(edge.redis, small, { prefix: edge.prefix, version: "20261102T000000Z-new1", offset: 100 });
    // The trainer lets a replaced version expire after its retention window.
    for (const key of keys(edge.prefix).versionKeys(old.version)) await edge.redis.expire(key, 3600);

    const env = { POINTER_TTL: "60" };
    expect((await edge.get("/v1/forecast/c1/s1/p1?h=7", { env })).headers.get("X-Forecast-Version")).toBe(current.version);

    const listed = await readJson(await admin("/v1/admin/versions"));
    expect(listed.live).toBe(current.version);
    expect(listed.versions.map((v: { version: string }) => v.version)).toEqual([current.version, old.version]);
    expect(listed.versions[0]).toMatchObject({ live: true, retained: true, series: 1, failed: 0, models: { prophet: 1 }, origin: "2026-10-31" });
    expect(listed.versions[0]).toHaveProperty("accuracy");

    const moved = await admin("/v1/admin/pointer", { method: "POST", body: { version: old.version } });
    expect(moved.status).toBe(200);
    expect(await readJson(moved)).toMatchObject({ previous: current.version, live: old.version, pinned: null });
    expect(await edge.redis.get(keys(edge.prefix).live)).toBe(old.version);
    // The version made live no longer expires; the one it replaced now does.
    expect(await edge.redis.ttl(keys(edge.prefix).manifest(old.version))).toBe(-1);
    expect(await edge.redis.ttl(keys(edge.prefix).manifest(current.version))).toBeGreaterThan(0);
    // This isolate follows at once, despite POINTER_TTL=60.
    const after = await edge.get("/v1/forecast/c1/s1/p1?h=7", { env });
    expect(after.headers.get("X-Forecast-Version")).toBe(old.version);
    expect((await readSeries(after, "c1/s1/p1")).point[0]).toBeLessThan(100);
  });

  it("refuses a pointer move to a version that is not retained, or a malformed body", async () => {
    await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const gone = await admin("/v1/admin/pointer", { method: "POST", body: { version: "20200101T000000Z-gone" } });
    expect(gone.status).toBe(404);
    expect((await readJson(gone)).error.code).toBe("version_not_found");
    for (const body of ["not json", { version: "latest" }, [1]]) {
      const res = await admin("/v1/admin/pointer", { method: "POST", body });
      expect(res.status).toBe(400);
      expect((await readJson(res)).error.code).toBe("bad_body");
    }
  });

  it("queues a retrain for the trainer and reports its state", async () => {
    const all = await admin("/v1/admin/retrain", { method: "POST", body: {} });
    expect(all.status).toBe(202);
    const queued = await readJson(all);
    expect(queued).toMatchObject({ series: "all", state: "queued" });
    expect(queued.id).toMatch(/^rt-[a-z0-9]{12}$/);
    expect(all.headers.get("Location")).toBe(`/v1/admin/retrain/${queued.id}`);

    const some = await readJson(await admin("/v1/admin/retrain", { method: "POST", body: { series: ["c1/s1/p1", "c1/s1/p1", "c2/s3/p2"] } }));
    expect(some.series).toEqual(["c1/s1/p1", "c2/s3/p2"]);
    // Oldest first for the consumer, which pops from the right.
    const k = retrainKeys(edge.prefix);
    expect(await edge.redis.lrange(k.queue, 0, -1)).toEqual([some.id, queued.id]);

    // The trainer updates the request as it works; the route reports it.
    const running: RetrainRequest = { ...queued, state: "running", startedAt: new Date().toISOString() };
    delete (running as { statusUrl?: string }).statusUrl;
    await edge.redis.set(k.request(queued.id), JSON.stringify(running));
    expect(await readJson(await admin(`/v1/admin/retrain/${queued.id}`))).toMatchObject({ id: queued.id, state: "running" });

    const unknown = await admin("/v1/admin/retrain/rt-000000000000");
    expect(unknown.status).toBe(404);
    expect((await readJson(unknown)).error.code).toBe("retrain_not_found");
    expect((await readJson(await admin("/v1/admin/retrain/nope"))).error.code).toBe("bad_identifier");
    expect((await readJson(await admin("/v1/admin/retrain", { method: "POST", body: { series: ["C1/s1/p1"] } }))).error.code).toBe("bad_identifier");
    expect((await readJson(await admin("/v1/admin/retrain", { method: "POST", body: { series: [] } }))).error.code).toBe("bad_body");
  });
});
