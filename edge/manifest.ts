// A version's manifest, read once per isolate: versions never change after
// publish, so a manifest can be kept for as long as memory allows.
import type { Manifest } from "./contract/payload.ts";
import type { EdgeConfig } from "./config.ts";
import { UnavailableError } from "./errors.ts";
import { MemoryCache } from "./memory-cache.ts";
import type { GridIndex } from "./contract/grid.ts";
import type { ForecastStore } from "./store.ts";

export interface LoadedManifest extends GridIndex {
  /** The JSON text as stored, served by /v1/meta without re-encoding. */
  raw: string;
}

const manifests = new MemoryCache<LoadedManifest>({ maxEntries: 16, maxBytes: 8 * 1024 * 1024 });

export async function loadManifest(config: EdgeConfig, store: ForecastStore, version: string): Promise<LoadedManifest> {
  const slot = `${config.upstashUrl}|${config.keyPrefix}|${version}`;
  const known = manifests.get(slot);
  if (known) return known;
  const raw = await store.manifest(version);
  if (raw === null) {
    throw new UnavailableError(
      "version_unavailable",
      `version ${version} has no manifest in the store (expired or half published): ${config.pinnedVersion ? "set FORECAST_VERSION to a retained version, or unset it" : "republish with the trainer"}`,
    );
  }
  const manifest = JSON.parse(raw) as Manifest;
  const loaded = describeManifest(raw, manifest);
  manifests.set(slot, loaded, raw.length * 2);
  return loaded;
}

export function describeManifest(raw: string, manifest: Manifest): LoadedManifest {
  const { cities, stores, products } = manifest.dimensions;
  return {
    raw,
    manifest,
    storeCity: new Map(stores.map((s) => [s.code, s.city])),
    cities: new Set(cities.map((c) => c.code)),
    products: new Set(products.map((p) => p.code)),
  };
}

/** The manifest if this isolate has it already, without a read: for work that may be skipped. */
export function loadedManifest(config: EdgeConfig, version: string): LoadedManifest | undefined {
  return manifests.get(`${config.upstashUrl}|${config.keyPrefix}|${version}`);
}
