// The Redis key layout shared by the trainer (writer) and the Worker (reader).
// Everything a version owns lives under `${prefix}:v:${version}:…`, so the
// publish can write a whole version before one pointer move makes it live.

export const HORIZONS = [7, 30, 60] as const;
export type Horizon = (typeof HORIZONS)[number];

/** Slugs for city, store and product codes: what may appear in a URL and a key. */
export const CODE_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Version ids are UTC timestamps plus a random suffix, so they sort by time. */
export const VERSION_PATTERN = /^\d{8}T\d{6}Z-[a-z0-9]{4}$/;
/** Key prefixes let several deployments (or tests) share one database. */
export const PREFIX_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export function isHorizon(n: number): n is Horizon {
  return (HORIZONS as readonly number[]).includes(n);
}

export function newVersionId(now: Date = new Date(), random: () => number = Math.random): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
  const suffix = Array.from({ length: 4 }, () => "abcdefghijklmnopqrstuvwxyz0123456789"[Math.floor(random() * 36)]).join("");
  return `${stamp}-${suffix}`;
}

/** The field that names one series inside a horizon hash. */
export function seriesField(city: string, store: string, product: string): string {
  return `${city}/${store}/${product}`;
}

export function keys(prefix: string) {
  if (!PREFIX_PATTERN.test(prefix)) throw new Error(`key prefix ${JSON.stringify(prefix)} must match ${PREFIX_PATTERN}`);
  return {
    /** String: the live version id. Moved atomically at the end of a publish. */
    live: `${prefix}:live`,
    /** Sorted set: retained versions scored by trained-at (epoch ms). */
    versions: `${prefix}:versions`,
    /** String: the version's manifest as JSON (see Manifest). */
    manifest: (version: string) => `${prefix}:v:${version}:manifest`,
    /** Hash: series field → base64(gzip(JSON SeriesPayload)) for one horizon. */
    horizon: (version: string, h: Horizon) => `${prefix}:v:${version}:h${h}`,
    /** Hash: series field → base64(gzip(JSON SeriesHistory)): recent actuals and backtest accuracy. */
    history: (version: string) => `${prefix}:v:${version}:history`,
    /**
     * Hash, like `horizon`: Prophet's forecast for the series whose selected
     * model was not Prophet (the others are the same in both). The Worker's
     * PROPHET_ONLY rollback reads it first.
     */
    prophetHorizon: (version: string, h: Horizon) => `${prefix}:v:${version}:prophet:h${h}`,
    /** Hash, like `horizon`: the accurate variant, written after the version goes live. */
    accurateHorizon: (version: string, h: Horizon) => `${prefix}:v:${version}:accurate:h${h}`,
    /** String: JSON {series, finishedAt}, set once the accurate variant holds every series. */
    accurateReady: (version: string) => `${prefix}:v:${version}:accurate:ready`,
    /** Hash: cache path ([bin2/]h<h>/grid/<digest>) → base64(gzip body) of the grids built at publish (Manifest.prebuiltGrids). */
    prefetch: (version: string) => `${prefix}:v:${version}:prefetch`,
    /** Every key a version owns, for expiry and persistence. */
    versionKeys: (version: string) => [
      `${prefix}:v:${version}:manifest`,
      ...HORIZONS.map((h) => `${prefix}:v:${version}:h${h}`),
      ...HORIZONS.map((h) => `${prefix}:v:${version}:prophet:h${h}`),
      ...HORIZONS.map((h) => `${prefix}:v:${version}:accurate:h${h}`),
      `${prefix}:v:${version}:accurate:ready`,
      `${prefix}:v:${version}:history`,
      `${prefix}:v:${version}:prefetch`,
    ],
  };
}
export type Keys = ReturnType<typeof keys>;
