// The floor of a memory hit under workerd: a Worker that does only what every
// forecast answer must (awaits the rate-limit binding, reads the request
// headers the API reads, writes one request log line, answers a 398-byte gzip
// body with the API's headers) and nothing else: no routing, no caches. The
// forecast Worker cannot be cheaper than this with logs and the limit on.
const body = new Uint8Array(398);
let sequence = 0;

export default {
  async fetch(request, env) {
    const headers = request.headers;
    for (const name of ["X-Request-Id", "CF-Ray", "X-API-Key", "Authorization", "CF-Connecting-IP", "Accept", "Accept-Encoding", "If-None-Match"]) headers.get(name);
    await env.RATE_LIMITER.limit({ key: "floor|ip:unknown" });
    const requestId = `floor-${(++sequence).toString(36)}`;
    console.log(JSON.stringify({ level: "info", msg: "request", requestId, method: request.method, path: new URL(request.url).pathname, route: "/v1/forecast/:city/:store/:product", status: 200, ms: 0, version: "20261101T000000Z-abcd" }));
    return new Response(body, {
      encodeBody: "manual",
      headers: {
        "Content-Type": "application/json; charset=utf-8", "Cache-Control": "public, max-age=300", ETag: '"20261101T000000Z-abcd:h30:c1/s1/p1"',
        Vary: "Accept-Encoding, Accept", "X-Forecast-Version": "20261101T000000Z-abcd", "X-Forecast-Pinned": "false", "X-Forecast-Mode": "fast",
        "Content-Encoding": "gzip", "X-Request-Id": requestId, "RateLimit-Policy": "600;w=60",
        "Server-Timing": 'pointer;dur=0.0;desc="memory",cache;dur=0.0;desc="hit",tier;desc="memory",total;dur=0.0',
      },
    });
  },
};
