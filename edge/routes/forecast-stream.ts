// GET /v1/forecast/:city/:store/:product?mode=accurate&stream=1 — Server-Sent
// Events: `fast` with the published forecast at once, then `accurate` if the
// version has an accurate forecast of the series, else `unavailable`, then
// `end`, and the stream closes. The trainer no longer publishes accurate
// variants, so by default (STREAM_WAIT_MS=0) nothing is waited for; a
// positive STREAM_WAIT_MS polls that long for one (`unavailable` once the
// variant completes without the series, `timeout` at the deadline). EventSource reconnects after a stream ends;
// a reconnect that carries the last event's id (Last-Event-ID) is answered
// 204, which tells it to stop. Each poll of the store counts against the
// caller's rate limit like a request, so a stream costs what it reads.
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { AppEnv } from "../app-env.ts";
import { gunzip, fromBase64 } from "../contract/codec.ts";
import type { Horizon } from "../contract/keys.ts";
import { keys } from "../contract/keys.ts";
import { fieldIdentity, shapedText } from "../contract/shape.ts";
import { decideRateLimit } from "../access/rate-limit.ts";
import { ApiError, BadRequestError, NotFoundError, errorBody } from "../errors.ts";
import { redisFor, storeCall } from "../store.ts";

/** Polling starts quick and backs off: the accurate fit is seconds to minutes away. */
const FIRST_POLL_MS = 250;
const MAX_POLL_MS = 2000;

export function wantsStream(c: Context<AppEnv>): boolean {
  const stream = c.req.query("stream");
  if (stream === undefined || stream === "" || stream === "0") return false;
  if (stream !== "1") throw new BadRequestError("bad_mode", `stream must be 1 or 0, got ${JSON.stringify(stream.slice(0, 20))}`);
  if (c.req.query("mode") !== "accurate") throw new BadRequestError("bad_mode", "stream=1 streams the refinement of a forecast: use it with mode=accurate");
  // The rollback switches of variant.ts hold for streams too.
  const choice = c.get("config").modelChoice;
  if (choice.prophetOnly || !choice.modes.includes("accurate")) {
    throw new BadRequestError("bad_mode", "the accurate mode is turned off on this deployment (FORECAST_MODES or PROPHET_ONLY): request the forecast without stream=1");
  }
  return true;
}

async function decodeStored(stored: string): Promise<string> {
  return new TextDecoder().decode(await gunzip(fromBase64(stored)));
}

/** The id of a stream's last event: a reconnect that carries it has nothing left to receive. */
const endId = (version: string) => `${version}:end`;

export async function streamRefinement(c: Context<AppEnv>, field: string, h: Horizon): Promise<Response> {
  const config = c.get("config");
  const version = c.get("version");
  // A finished stream is finished for good, whatever version is live now.
  if (c.req.header("Last-Event-ID")?.endsWith(":end")) return c.body(null, 204, { "Cache-Control": "no-store" });
  const redis = redisFor(config);
  const fastKey = keys(config.keyPrefix).horizon(version.id, h);
  const accurateKey = keys(config.keyPrefix).accurateHorizon(version.id, h);
  const readyKey = keys(config.keyPrefix).accurateReady(version.id);
  const [fast, accurateNow] = await storeCall(config, "HGET fast and accurate", () =>
    Promise.all([redis.hget<string>(fastKey, field), redis.hget<string>(accurateKey, field)]));
  if (fast === null) {
    throw new NotFoundError("series_not_found", `no forecast for ${field} at h=${h} in version ${version.id}; GET /v1/meta lists the cities, stores and products`);
  }
  // The stream's payloads are in the shape the Worker serves, like its other answers.
  const shape = config.production.forecastShape;
  const identity = fieldIdentity(field, version.id, h);
  const fastJson = shapedText(await decodeStored(fast), shape, identity);
  c.header("Cache-Control", "no-store");
  c.header("X-Forecast-Version", version.id);
  return streamSSE(c, async (sse) => {
    await sse.writeSSE({ event: "fast", id: `${version.id}:fast`, data: fastJson });
    const deadline = Date.now() + config.production.streamWaitMs;
    let accurate = accurateNow;
    let finished = false;
    let pause = FIRST_POLL_MS;
    try {
      // The variant's ready marker ends the wait early for a series it does not hold (its fit failed).
      while (accurate === null && !finished && Date.now() < deadline && !sse.aborted) {
        await sse.sleep(Math.min(pause, Math.max(0, deadline - Date.now())));
        pause = Math.min(MAX_POLL_MS, pause * 2);
        await decideRateLimit(config, c.env, () => redis, c.get("client"));
        [accurate, finished] = await storeCall(config, "HGET accurate", () =>
          Promise.all([redis.hget<string>(accurateKey, field), redis.exists(readyKey).then((n) => n === 1)]));
      }
      if (accurate !== null) {
        await sse.writeSSE({ event: "accurate", id: `${version.id}:accurate`, data: shapedText(await decodeStored(accurate), shape, identity) });
      } else if (finished) {
        await sse.writeSSE({ event: "unavailable", data: JSON.stringify({ message: "the accurate variant of this version is complete without this series; the fast forecast stands" }) });
      } else if (config.production.streamWaitMs === 0) {
        await sse.writeSSE({ event: "unavailable", data: JSON.stringify({ message: "this version has no accurate forecast of the series; the fast forecast stands" }) });
      } else {
        await sse.writeSSE({ event: "timeout", data: JSON.stringify({ waitedMs: config.production.streamWaitMs, message: "the accurate forecast was not published in time; the fast forecast stands" }) });
      }
    } catch (err) {
      const body = err instanceof ApiError ? errorBody(err.code, err.message) : errorBody("internal", "the stream failed; the details are in the Worker logs");
      if (!(err instanceof ApiError)) console.error("refinement stream failed", err);
      await sse.writeSSE({ event: "error", data: JSON.stringify(body) });
    }
    // retry: an EventSource that misses the 204 still waits a minute before it asks again.
    await sse.writeSSE({ event: "end", id: endId(version.id), retry: 60_000, data: "{}" });
  });
}
