// The Node-side program (trainer, tests, benchmarks) imports a few Worker
// modules so that prefetch bodies are built by the Worker's own code. These
// are the two Workers globals those modules mention; the Worker's own program
// (edge/tsconfig.json) gets the real ones from @cloudflare/workers-types.
interface CacheStorage {
  readonly default: Cache;
}

interface Fetcher {
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
}
