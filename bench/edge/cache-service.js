// A tiny Cache API backend for plain `workerd serve`: workerd sends the
// Worker's caches.default calls to the service named by cacheApiOutbound
// (GET = match, PUT = put with the serialized response as body, PURGE =
// delete). It keeps entries in its isolate's memory and honours max-age, so
// the benchmark's edge-cache hits travel the same path as on Cloudflare,
// minus the network to a cache server.
const entries = new Map();
const MAX_ENTRIES = 10_000;
const CRLF2 = [13, 10, 13, 10];

function parseSerializedResponse(bytes) {
  let end = -1;
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === CRLF2[0] && bytes[i + 1] === CRLF2[1] && bytes[i + 2] === CRLF2[2] && bytes[i + 3] === CRLF2[3]) {
      end = i;
      break;
    }
  }
  if (end < 0) return null;
  const [statusLine, ...lines] = new TextDecoder().decode(bytes.subarray(0, end)).split("\r\n");
  const status = Number(statusLine.split(" ")[1]);
  const headers = lines.map((line) => {
    const colon = line.indexOf(":");
    return [line.slice(0, colon), line.slice(colon + 1).trim()];
  });
  return { status, headers, body: bytes.slice(end + 4) };
}

function maxAgeSeconds(headers) {
  const cc = headers.find(([name]) => name.toLowerCase() === "cache-control")?.[1] ?? "";
  const match = /(?:s-maxage|max-age)=(\d+)/i.exec(cc);
  return match && !/no-store|private/i.test(cc) ? Number(match[1]) : 0;
}

export default {
  async fetch(request) {
    const key = request.url;
    if (request.method === "GET") {
      const entry = entries.get(key);
      if (!entry || entry.expiresAt <= Date.now()) {
        if (entry) entries.delete(key);
        return new Response(null, { status: 504, headers: { "CF-Cache-Status": "MISS" } });
      }
      const headers = new Headers(entry.headers);
      headers.set("CF-Cache-Status", "HIT");
      return new Response(entry.body, { status: entry.status, headers });
    }
    if (request.method === "PUT") {
      const parsed = parseSerializedResponse(new Uint8Array(await request.arrayBuffer()));
      const ttl = parsed ? maxAgeSeconds(parsed.headers) : 0;
      if (!parsed || ttl === 0) return new Response(null, { status: 413 });
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value);
      entries.set(key, { ...parsed, expiresAt: Date.now() + ttl * 1000 });
      return new Response(null, { status: 204 });
    }
    if (request.method === "PURGE") {
      return new Response(null, { status: entries.delete(key) ? 200 : 404 });
    }
    return new Response(null, { status: 405 });
  },
};
