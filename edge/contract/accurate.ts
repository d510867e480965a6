// Accurate-mode forecasts: published for a version after its fast forecasts,
// in hashes of the same shape (series field → base64(gzip(JSON SeriesPayload))),
// so readers of either use the same codec.
import { keys, type Horizon } from "./keys.ts";

export function accurateKeys(prefix: string) {
  keys(prefix); // validates the prefix
  return {
    /** Hash: series field → stored SeriesPayload of the accurate model, for one horizon. */
    horizon: (version: string, h: Horizon) => `${prefix}:v:${version}:accurate:h${h}`,
  };
}
