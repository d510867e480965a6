// Publishes a forecast version the way the trainer does, through the shared
// contract (keys + codec) and @upstash/redis: every series of every horizon,
// the manifest, the retained-versions index, then one pointer move. Used by
// the edge tests (inside workerd) and the edge benchmark (in Node).
import type { Redis } from "@upstash/redis";
import { encodeStored } from "../../edge/contract/codec.ts";
import { HORIZONS, keys, newVersionId, seriesField, type Horizon } from "../../edge/contract/keys.ts";
import { roundUnits, type Manifest, type SeriesPayload } from "../../edge/contract/payload.ts";
import { toStepPayload, type ForecastShape, type StepPayload } from "../../edge/contract/shape.ts";

export interface Catalogue {
  /** city code → its store codes. */
  cities: Record<string, string[]>;
  products: string[];
}

/** cities c1…cN, each with S stores, and P products: the 5×5×5 reference shape by default. */
export function catalogue(cities = 5, storesPerCity = 5, products = 5): Catalogue {
  const result: Catalogue = { cities: {}, products: [] };
  let store = 0;
  for (let c = 1; c <= cities; c++) {
    result.cities[`c${c}`] = Array.from({ length: storesPerCity }, () => `s${++store}`);
  }
  for (let p = 1; p <= products; p++) result.products.push(`p${p}`);
  return result;
}

export interface PublishOptions {
  prefix: string;
  version?: string;
  origin?: string;
  /** Added to every point, so two versions of one series tell apart. */
  offset?: number;
  /** Series to leave out, as city/store/product fields (a failed fit). */
  skip?: string[];
  /** Leave the live pointer where it is (a half-finished or pinned-only publish). */
  movePointer?: boolean;
  /** The JSON shape stored: v2 as the trainer publishes now (default), v1 as versions published before shape 2. */
  shape?: ForecastShape;
}

/** The payload a series gets: deterministic numbers derived from its position. */
export function seriesPayload(version: string, origin: string, h: Horizon, city: string, store: string, product: string, offset = 0): SeriesPayload {
  const seed = city.length * 7 + Number(store.replace(/\D/g, "") || 1) * 3 + Number(product.replace(/\D/g, "") || 1);
  const point = roundUnits(Array.from({ length: h }, (_, i) => offset + seed + Math.sin(i / 3) * 2.5 + i * 0.125));
  return {
    city, store, product, version, origin, h,
    model: seed % 2 === 0 ? "prophet" : "croston-sba",
    level: 0.8,
    step: 0.001,
    point,
    lower: roundUnits(point.map((v) => v - 1.5)),
    upper: roundUnits(point.map((v) => v + 1.5)),
  };
}

/** seriesPayload in shape 2, as the trainer stores it and the Worker answers it by default. */
export function stepPayload(...args: Parameters<typeof seriesPayload>): StepPayload {
  return toStepPayload(seriesPayload(...args));
}

export async function publishVersion(redis: Redis, cat: Catalogue, options: PublishOptions): Promise<{ version: string; manifest: Manifest }> {
  const version = options.version ?? newVersionId();
  const origin = options.origin ?? "2026-10-31";
  const k = keys(options.prefix);
  const skip = new Set(options.skip ?? []);
  const stores = Object.entries(cat.cities).flatMap(([city, codes]) => codes.map((code) => ({ city, code })));

  const pipeline = redis.pipeline();
  let series = 0;
  for (const h of HORIZONS) {
    const fields: Record<string, string> = {};
    for (const { city, code } of stores) {
      for (const product of cat.products) {
        const field = seriesField(city, code, product);
        if (skip.has(field)) continue;
        const payload = seriesPayload(version, origin, h, city, code, product, options.offset);
        fields[field] = await encodeStored(options.shape === "v1" ? payload : toStepPayload(payload));
      }
    }
    series = Object.keys(fields).length;
    if (series > 0) pipeline.hset(k.horizon(version, h), fields);
  }
  const manifest: Manifest = {
    version, runId: 1, trainedAt: new Date().toISOString(), origin,
    horizons: [...HORIZONS], level: 0.8, series, failed: skip.size,
    models: { prophet: series },
    dimensions: {
      cities: Object.keys(cat.cities).map((code) => ({ code, name: code.toUpperCase() })),
      stores: stores.map(({ city, code }) => ({ code, city, name: `Store ${code}` })),
      products: cat.products.map((code) => ({ code, name: `Product ${code}` })),
    },
  };
  pipeline.set(k.manifest(version), JSON.stringify(manifest));
  pipeline.zadd(k.versions, { score: Date.now(), member: version });
  await pipeline.exec();
  if (options.movePointer !== false) await redis.set(k.live, version);
  return { version, manifest };
}
