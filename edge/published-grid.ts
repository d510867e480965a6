// Grid bodies the trainer built when it published the version (its prefetch
// hash, listed in Manifest.prebuiltGrids): the whole grid per horizon and the
// hottest requests, as JSON and in the binary format. A cache miss on one of
// them is one HGET whose gzip bytes go out as they are, instead of an HMGET of
// every series, a gunzip and a gzip. Anything not listed is built as before.
import type { Context } from "hono";
import { fromBase64 } from "./contract/codec.ts";
import { keys } from "./contract/keys.ts";
import type { Manifest } from "./contract/payload.ts";
import type { EdgeConfig } from "./config.ts";
import { hotGridMember } from "./contract/grid.ts";
import { redisFor, storeCall } from "./store.ts";
import { stage } from "./timing.ts";

// Manifests are kept per isolate (manifest.ts), so their lists are read into a set once.
const listed = new WeakMap<Manifest, Set<string>>();

/**
 * The published body at `path` (the representation's cache path, e.g.
 * `bin2/h30/grid/<digest>`), or null when the version has none for this
 * request or PUBLISHED_GRIDS is off: the caller then builds it. Store
 * failures propagate, since building would need the store too.
 */
export async function publishedGridBody(
  config: EdgeConfig, manifest: Manifest, request: { h: number; canonical: string; path: string }, c: Context,
): Promise<Uint8Array<ArrayBuffer> | null> {
  if (!config.production.publishedGrids || !manifest.prebuiltGrids) return null;
  let grids = listed.get(manifest);
  if (!grids) listed.set(manifest, (grids = new Set(manifest.prebuiltGrids)));
  if (!grids.has(hotGridMember(request.h, request.canonical))) return null;
  const key = keys(config.keyPrefix).prefetch(manifest.version);
  const started = performance.now();
  const stored = await storeCall(config, "HGET published grid", () => redisFor(config).hget<string>(key, request.path));
  stage(c, "store", started, stored === null ? "unpublished" : "published");
  return stored === null ? null : (fromBase64(stored) as Uint8Array<ArrayBuffer>);
}
