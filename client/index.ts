// A typed client of the forecast API for Node (18+) and browsers: forecasts,
// grids, histories and the manifest as JSON (forecasts decoded from either
// JSON shape into their values), or forecasts in the binary layout decoded
// into typed arrays; the API key; If-None-Match from an
// in-memory cache of the last answers; every failure one ForecastApiError.
//
//   const client = new ForecastClient({ baseUrl: "https://forecast.example.com", apiKey: "fk_…" });
//   const series = await client.forecast({ city: "c1", store: "s1", product: "p1" }, { h: 30 });
import { AnswerCache } from "./answer-cache.ts";
import { decodeForecastBinary, type BinaryForecast } from "./binary.ts";
import { errorFrom, ForecastApiError } from "./errors.ts";
import { decodeForecastGrid, decodeSeriesForecast } from "./forecast-shape.ts";
import type { ForecastGrid, GridSelection, Horizon, HistoryGrid, Meta, SeriesForecast, SeriesHistory, SeriesKey } from "./types.ts";

export { ForecastApiError } from "./errors.ts";
export { decodeForecastBinary, type BinaryForecast, type BinarySeries } from "./binary.ts";
export { decodeForecastGrid, decodeSeriesForecast } from "./forecast-shape.ts";
export type * from "./types.ts";

const BINARY_MEDIA_TYPE = "application/x-forecast-f32";

export interface ClientOptions {
  /** The Worker's origin, e.g. https://forecast.example.com; "" for same-origin requests from a page. */
  baseUrl: string;
  /** A key from `trainer keys create`, sent as X-API-Key. */
  apiKey?: string;
  /** How many answers to keep for If-None-Match; 0 turns the cache off. Default 100. */
  cacheSize?: number;
  /** Another fetch (a test's, a proxy's); default globalThis.fetch. */
  fetch?: (request: Request) => Promise<Response>;
  /**
   * The fetch cache mode. Default "no-store": this client's own cache
   * revalidates. A page may prefer cacheSize 0 with "no-cache": the browser's
   * HTTP cache revalidates instead, and it outlives a reload.
   */
  requestCache?: RequestCache;
  /** Called with every answer (304s included), e.g. to show its Server-Timing. */
  onResponse?: (answer: { path: string; status: number; headers: Headers }) => void;
}

export interface ForecastOptions {
  h?: Horizon;
}

/** What a read returns beside its body: whether it came from the cache after a 304. */
export interface Answer<T> {
  body: T;
  notModified: boolean;
  etag: string | null;
  version: string | null;
}

const axis = (value: GridSelection["city"]) => (value === "*" ? "*" : value.join(","));
const seriesPath = ({ city, store, product }: SeriesKey) => [city, store, product].map(encodeURIComponent).join("/");

export class ForecastClient {
  readonly #base: string;
  readonly #apiKey: string | undefined;
  readonly #cache: AnswerCache;
  readonly #fetch: (request: Request) => Promise<Response>;
  readonly #onResponse: ClientOptions["onResponse"];
  readonly #requestCache: RequestCache;

  constructor(options: ClientOptions) {
    this.#base = options.baseUrl.replace(/\/+$/, "");
    this.#apiKey = options.apiKey;
    this.#cache = new AnswerCache(options.cacheSize ?? 100);
    this.#fetch = options.fetch ?? ((request) => globalThis.fetch(request));
    this.#onResponse = options.onResponse;
    this.#requestCache = options.requestCache ?? "no-store";
  }

  /** One series' forecast. 404 series_not_found when the version has no such series. */
  async forecast(series: SeriesKey, options: ForecastOptions = {}): Promise<SeriesForecast> {
    const answer = await this.read<Parameters<typeof decodeSeriesForecast>[0]>(`/v1/forecast/${seriesPath(series)}${query({ h: options.h })}`, "json");
    // Shape 2 leaves the version to the X-Forecast-Version header (kept with a cached answer's ETag).
    return decodeSeriesForecast(answer.body, { city: series.city, store: series.store, product: series.product, version: answer.version ?? "" });
  }

  /** One series' forecast in the binary layout, decoded. */
  async forecastBinary(series: SeriesKey, options: ForecastOptions = {}): Promise<BinaryForecast> {
    const answer = await this.read<BinaryForecast>(`/v1/forecast/${seriesPath(series)}${query({ h: options.h, format: "binary" })}`, "binary");
    // Layout 3 leaves out what the URL and headers say; the answer is the same either way.
    const { city, store, product } = series;
    const body = answer.body;
    return { ...body, version: body.version ?? answer.version ?? undefined, series: body.series.map((s) => ({ city, store, product, ...s })) };
  }

  /** Many series in one answer; series the version lacks are listed in `missing`. */
  async grid(selection: GridSelection, options: ForecastOptions = {}): Promise<ForecastGrid> {
    return decodeForecastGrid((await this.read<Parameters<typeof decodeForecastGrid>[0]>(`/v1/forecast${gridQuery(selection, { h: options.h })}`, "json")).body);
  }

  /** A grid in the binary layout: typed arrays per series. */
  async gridBinary(selection: GridSelection, options: ForecastOptions = {}): Promise<BinaryForecast> {
    return (await this.read<BinaryForecast>(`/v1/forecast${gridQuery(selection, { h: options.h, format: "binary" })}`, "binary")).body;
  }

  /** One series' recent actuals and backtest accuracy. */
  async history(series: SeriesKey): Promise<SeriesHistory> {
    return (await this.read<SeriesHistory>(`/v1/history/${seriesPath(series)}`, "json")).body;
  }

  async historyGrid(selection: GridSelection): Promise<HistoryGrid> {
    return (await this.read<HistoryGrid>(`/v1/history${gridQuery(selection, {})}`, "json")).body;
  }

  /** The manifest of the version being served: dimensions with names, origin, horizons, models. */
  async meta(): Promise<Meta> {
    return (await this.read<Meta>("/v1/meta", "json")).body;
  }

  /** Any GET under the API, with the answer's ETag and whether it was a 304. */
  async read<T>(path: string, as: "json" | "binary"): Promise<Answer<T>> {
    const url = `${this.#base}${path}`;
    const cached = this.#cache.get(url);
    const headers = new Headers({ Accept: as === "binary" ? BINARY_MEDIA_TYPE : "application/json" });
    if (this.#apiKey) headers.set("X-API-Key", this.#apiKey);
    if (cached) headers.set("If-None-Match", cached.etag);
    let response: Response;
    try {
      response = await this.#fetch(new Request(url, { headers, cache: this.#requestCache }));
    } catch (cause) {
      throw new ForecastApiError(0, "network", `could not reach the forecast API for ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    this.#onResponse?.({ path, status: response.status, headers: response.headers });
    const etag = response.headers.get("ETag");
    const version = response.headers.get("X-Forecast-Version");
    if (response.status === 304 && cached) return { body: cached.body as T, notModified: true, etag: cached.etag, version };
    if (!response.ok) throw await errorFrom(response, path);
    let body: unknown;
    try {
      body = as === "binary" ? decodeForecastBinary(await response.arrayBuffer()) : await response.json();
    } catch (cause) {
      throw new ForecastApiError(response.status, "bad_response", `${path} answered ${response.status} with a body that is not ${as === "binary" ? "the binary layout" : "JSON"}`, { cause });
    }
    if (etag) this.#cache.set(url, { etag, body });
    return { body: body as T, notModified: false, etag, version };
  }

  /** Forgets the cached answers: the next reads download in full. */
  clearCache(): void {
    this.#cache.clear();
  }
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) search.set(name, String(value));
  const text = search.toString();
  // Commas and * stay readable: the Worker reads them either way.
  return text ? `?${text.replaceAll("%2C", ",").replaceAll("%2A", "*")}` : "";
}

function gridQuery(selection: GridSelection, extra: Record<string, string | number | undefined>): string {
  return query({ city: axis(selection.city), store: axis(selection.store), product: axis(selection.product), ...extra });
}
