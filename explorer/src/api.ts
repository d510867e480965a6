// The page's only way to the Worker: the API's typed client (client/) on the
// page's own origin. Every answer's Server-Timing stages go to the listeners
// (the timings table); errors are the client's ForecastApiError, with the
// API's stable code.
import { ForecastClient } from "../../client/index.ts";
import { parseServerTiming, type TimingStage } from "./server-timing.ts";

export { ForecastApiError } from "../../client/index.ts";

export interface ApiExchange {
  path: string;
  status: number;
  stages: TimingStage[];
}

type Listener = (exchange: ApiExchange) => void;
const listeners: Listener[] = [];

export function onExchange(listener: Listener): void {
  listeners.push(listener);
}

/**
 * Answers carry the version's ETag and URLs do not name the version, so the
 * browser's HTTP cache revalidates (a cheap 304) instead of reusing an older
 * version's body; it outlives a reload, which the client's own cache would not.
 */
export const api = new ForecastClient({
  baseUrl: "",
  cacheSize: 0,
  requestCache: "no-cache",
  onResponse: ({ path, status, headers }) => {
    const exchange = { path, status, stages: parseServerTiming(headers.get("Server-Timing")) };
    for (const listener of listeners) listener(exchange);
  },
});

/** For the background check for a newer version, which the timings table does not show. */
export const quietApi = new ForecastClient({ baseUrl: "", cacheSize: 0, requestCache: "no-store" });
