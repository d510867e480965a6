// Turns a cached or freshly read gzip body into the HTTP response, built
// once with all its headers: the bytes pass through untouched for clients
// that accept gzip, are decompressed for those that do not, and a matching
// If-None-Match gets a bodiless 304.
import type { ForecastBody, RememberedBody } from "./forecast-cache.ts";
import type { ResolvedVersion } from "./version.ts";

export interface ForecastResponseOptions {
  version: ResolvedVersion;
  cacheMaxAgeSeconds: number;
  /** Defaults to JSON; the binary representation sets its own. */
  contentType?: string;
  /** More headers for the answer, e.g. which variant was served. */
  headers?: Readonly<Record<string, string>>;
}

export function acceptsGzip(acceptEncoding: string | null | undefined): boolean {
  if (!acceptEncoding) return false;
  // The common header ("gzip, deflate, br") needs no parsing.
  if (/^\s*gzip\s*(,|$)/.test(acceptEncoding)) return true;
  return acceptEncoding.split(",").some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    if (coding !== "gzip" && coding !== "*" && coding !== "x-gzip") return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/**
 * If-None-Match uses weak comparison (RFC 9110 §13.1.2): W/ prefixes are
 * ignored. `*` matches only a representation that exists, so it is honoured
 * only once the body is known (`exists`).
 */
export function etagMatches(ifNoneMatch: string | null | undefined, etag: string, exists: boolean): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === "*") return exists;
  const bare = etag.replace(/^W\//, "");
  return ifNoneMatch.split(",").some((candidate) => candidate.trim().replace(/^W\//, "") === bare);
}

/** The decoded JSON is a different representation, so it gets its own strong ETag. */
export function identityEtag(gzipEtag: string): string {
  return `${gzipEtag.slice(0, -1)}.json"`;
}

function headersFor(etag: string, options: ForecastResponseOptions): Record<string, string> {
  const headers: Record<string, string> = {
    "Content-Type": options.contentType ?? "application/json; charset=utf-8",
    "Cache-Control": `public, max-age=${options.cacheMaxAgeSeconds}`,
    ETag: etag,
    Vary: "Accept-Encoding, Accept",
    "X-Forecast-Version": options.version.id,
    "X-Forecast-Pinned": options.version.pinned ? "true" : "false",
    ...options.headers,
  };
  // Served from cache past the pointer's freshness window: say so, as RFC 5861 caches do with Warning.
  if (options.version.stale) headers["X-Forecast-Stale"] = options.version.stale;
  return headers;
}

/** A 304 when the client already holds this representation, else null. */
export function notModified(request: Request, gzipEtag: string, options: ForecastResponseOptions, exists: boolean): Response | null {
  const ifNoneMatch = request.headers.get("If-None-Match");
  if (!ifNoneMatch) return null;
  return notModifiedFor(ifNoneMatch, acceptsGzip(request.headers.get("Accept-Encoding")), gzipEtag, options, exists);
}

function notModifiedFor(ifNoneMatch: string, gzip: boolean, gzipEtag: string, options: ForecastResponseOptions, exists: boolean): Response | null {
  const etag = gzip ? gzipEtag : identityEtag(gzipEtag);
  if (!etagMatches(ifNoneMatch, etag, exists)) return null;
  const headers = headersFor(etag, options);
  delete headers["Content-Type"];
  return new Response(null, { status: 304, headers });
}

/** The gzip answer's headers as last built for this body, when nothing they depend on changed. */
interface Prepared {
  etag: string;
  version: ResolvedVersion;
  cacheMaxAgeSeconds: number;
  contentType?: string;
  extra?: Record<string, string>;
  headers: Headers;
}

// A memory hit repeats the previous answer's headers: the runtime copies one
// Headers object instead of reading a fresh record of ten entries. Versions
// and variant headers are shared objects while they hold (version.ts,
// variant.ts), so comparing identities is enough.
function gzipHeaders(etag: string, options: ForecastResponseOptions, remembered: RememberedBody | undefined): Headers | Record<string, string> {
  const last = remembered?.prepared as Prepared | undefined;
  if (last && last.version === options.version && last.etag === etag && last.extra === options.headers
    && last.cacheMaxAgeSeconds === options.cacheMaxAgeSeconds && last.contentType === options.contentType) {
    return last.headers;
  }
  const record = headersFor(etag, options);
  record["Content-Encoding"] = "gzip";
  if (!remembered) return record;
  const headers = new Headers(record);
  const prepared: Prepared = { etag, version: options.version, cacheMaxAgeSeconds: options.cacheMaxAgeSeconds, contentType: options.contentType, extra: options.headers, headers };
  remembered.prepared = prepared;
  return headers;
}

/** The answer for a body; `remembered`, its entry in isolate memory, keeps the headers for the next request. */
export function forecastResponse(request: Request, body: ForecastBody, options: ForecastResponseOptions, remembered?: RememberedBody): Response {
  const requestHeaders = request.headers;
  const gzip = acceptsGzip(requestHeaders.get("Accept-Encoding"));
  const ifNoneMatch = requestHeaders.get("If-None-Match");
  if (ifNoneMatch) {
    const unchanged = notModifiedFor(ifNoneMatch, gzip, body.etag, options, true);
    if (unchanged) return unchanged;
  }
  // encodeBody "manual": the bytes are gzip already; the runtime must not encode them again.
  if (gzip) return new Response(body.gzip, { encodeBody: "manual", headers: gzipHeaders(body.etag, options, remembered) } as ResponseInit);
  const json = new Blob([body.gzip]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(json, { headers: headersFor(identityEtag(body.etag), options) });
}
