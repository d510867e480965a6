import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeStored } from "../../edge/contract/codec.ts";
import { keys } from "../../edge/contract/keys.ts";
import { edgeHarness, readJson, sleep, type EdgeHarness } from "./harness.ts";
import { toStepPayload } from "../../edge/contract/shape.ts";
import { catalogue, publishVersion, seriesPayload, stepPayload } from "./publish.ts";

const small = catalogue(1, 1, 1);

interface Event {
  event: string;
  data: string;
}

function parseEvents(text: string): Event[] {
  return text.trim().split(/\n\n+/).map((block) => {
    const event: Event = { event: "message", data: "" };
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) event.event = line.slice(7);
      if (line.startsWith("data: ")) event.data += line.slice(6);
    }
    return event;
  });
}

describe("GET /v1/forecast/...?mode=accurate&stream=1 (Server-Sent Events)", () => {
  let edge: EdgeHarness;
  beforeEach(() => {
    edge = edgeHarness();
  });
  afterEach(() => edge.cleanup());

  it("sends the fast forecast at once, the accurate one when it is published, then ends", async () => {
    const { version } = await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const accurate = { ...seriesPayload(version, "2026-10-31", 7, "c1", "s1", "p1", 0.5), model: "prophet" };
    // The accurate fit lands while the stream waits.
    const publishLater = sleep(400).then(async () =>
      edge.redis.hset(keys(edge.prefix).accurateHorizon(version, 7), { "c1/s1/p1": await encodeStored(accurate) }));
    const started = Date.now();
    const res = await edge.get("/v1/forecast/c1/s1/p1?h=7&mode=accurate&stream=1", { env: { STREAM_WAIT_MS: "5000" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("text/event-stream");
    const events = parseEvents(await res.text());
    await publishLater;
    expect(events.map((e) => e.event)).toEqual(["fast", "accurate", "end"]);
    // Events carry the shape the Worker serves: shape 2 by default.
    expect(JSON.parse(events[0]!.data)).toEqual(stepPayload(version, "2026-10-31", 7, "c1", "s1", "p1"));
    expect(JSON.parse(events[1]!.data)).toEqual(toStepPayload(accurate));
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it("by default answers at once: the fast forecast, then unavailable when the version has no accurate one", async () => {
    await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const events = parseEvents(await (await edge.get("/v1/forecast/c1/s1/p1?h=7&mode=accurate&stream=1")).text());
    expect(events.map((e) => e.event)).toEqual(["fast", "unavailable", "end"]);
    expect(JSON.parse(events[1]!.data).message).toContain("no accurate forecast");
  });

  it("by default still sends an accurate forecast the version holds", async () => {
    const { version } = await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const accurate = { ...seriesPayload(version, "2026-10-31", 7, "c1", "s1", "p1", 0.5), model: "prophet" };
    await edge.redis.hset(keys(edge.prefix).accurateHorizon(version, 7), { "c1/s1/p1": await encodeStored(accurate) });
    const events = parseEvents(await (await edge.get("/v1/forecast/c1/s1/p1?h=7&mode=accurate&stream=1")).text());
    expect(events.map((e) => e.event)).toEqual(["fast", "accurate", "end"]);
    expect(JSON.parse(events[1]!.data)).toEqual(toStepPayload(accurate));
    // FORECAST_SHAPE=v1: shape 1, as streamed before shape 2.
    const v1 = parseEvents(await (await edge.get("/v1/forecast/c1/s1/p1?h=7&mode=accurate&stream=1", { env: { FORECAST_SHAPE: "v1" } })).text());
    expect(JSON.parse(v1[0]!.data)).toEqual(seriesPayload(version, "2026-10-31", 7, "c1", "s1", "p1"));
    expect(JSON.parse(v1[1]!.data)).toEqual(accurate);
  });

  it("gives up after STREAM_WAIT_MS with a timeout event", async () => {
    await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const started = Date.now();
    const res = await edge.get("/v1/forecast/c1/s1/p1?h=30&mode=accurate&stream=1", { env: { STREAM_WAIT_MS: "600" } });
    const events = parseEvents(await res.text());
    expect(events.map((e) => e.event)).toEqual(["fast", "timeout", "end"]);
    expect(JSON.parse(events[1]!.data)).toMatchObject({ waitedMs: 600 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
  });

  it("stops waiting once the accurate variant is complete without the series", async () => {
    const { version } = await publishVersion(edge.redis, small, { prefix: edge.prefix });
    await edge.redis.set(keys(edge.prefix).accurateReady(version), JSON.stringify({ series: 0, finishedAt: new Date().toISOString() }));
    const started = Date.now();
    const events = parseEvents(await (await edge.get("/v1/forecast/c1/s1/p1?mode=accurate&stream=1", { env: { STREAM_WAIT_MS: "10000" } })).text());
    expect(events.map((e) => e.event)).toEqual(["fast", "unavailable", "end"]);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("400 bad_mode for stream without mode=accurate, 404 before streaming for an unknown series", async () => {
    await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const noMode = await edge.get("/v1/forecast/c1/s1/p1?stream=1");
    expect(noMode.status).toBe(400);
    expect((await readJson(noMode)).error.code).toBe("bad_mode");
    const off = await edge.get("/v1/forecast/c1/s1/p1?mode=accurate&stream=1", { env: { FORECAST_MODES: "fast" } });
    expect(off.status).toBe(400);
    expect((await readJson(off)).error.message).toContain("FORECAST_MODES");
    const missing = await edge.get("/v1/forecast/c1/s1/p9?mode=accurate&stream=1");
    expect(missing.status).toBe(404);
    expect((await readJson(missing)).error.code).toBe("series_not_found");
  });
});
