// Writes the capnp config that serves the bundled forecast Worker under plain
// `workerd serve`: one socket per variant of its env (edge cache on, Cache API
// only, cache off), each Worker's caches.default wired to cache-service.js
// through cacheApiOutbound, its RATE_LIMITER binding wired to
// rate-limit-binding.js as a wrapped binding, plus a hello-world Worker as
// the ceiling.
export interface ForecastVariant {
  name: string;
  port: number;
  /** Text bindings added to (or overriding) the shared ones. */
  env: Record<string, string>;
  /** Another bundle (say, an earlier build to compare with) in place of the shared one. */
  bundle?: string;
}

export interface PlainWorker {
  name: string;
  /** Module path, relative to the config file's folder. */
  module: string;
  port: number;
  env?: Record<string, string>;
}

export interface WorkerdConfigOptions {
  /** Module paths are embedded relative to the config file's folder. */
  bundle: string;
  cacheService: string;
  hello: string;
  /** The module that stands in for the Workers rate-limiting binding, and its `simple` settings as in wrangler.toml's [[ratelimits]]; absent: no binding. */
  rateLimit?: { module: string; limit: number; period: number };
  compatibilityDate: string;
  /** Text bindings every forecast variant gets. */
  bindings: Record<string, string>;
  variants: ForecastVariant[];
  helloPort: number;
  /** Plain Workers (floor.js, the runtime ladder) each on its own port, with the same rate-limit binding and their own text bindings. */
  plain?: PlainWorker[];
}

const text = (value: string) => JSON.stringify(value);

function limiterBinding(options: WorkerdConfigOptions): string[] {
  const limit = options.rateLimit;
  return limit
    ? [`(name = "RATE_LIMITER", wrapped = (moduleName = "bench-internal:rate-limit", innerBindings = [(name = "limit", json = "${limit.limit}"), (name = "period", json = "${limit.period}")]))`]
    : [];
}

function forecastService(options: WorkerdConfigOptions, variant: ForecastVariant): string {
  const bindings = Object.entries({ ...options.bindings, ...variant.env })
    .map(([name, value]) => `(name = ${text(name)}, text = ${text(value)})`);
  const limiter = limiterBinding(options);
  return `(name = ${text(`forecast-${variant.name}`)}, worker = (
      modules = [(name = "index.js", esModule = embed ${text(variant.bundle ?? options.bundle)})],
      compatibilityDate = ${text(options.compatibilityDate)},
      bindings = [
        ${[...bindings, ...limiter].join(",\n        ")}
      ],
      globalOutbound = "loopback",
      cacheApiOutbound = "cache",
    ))`;
}

export function workerdConfig(options: WorkerdConfigOptions): string {
  const sockets = options.variants.map(
    (v) => `(name = ${text(v.name)}, address = "127.0.0.1:${v.port}", http = (), service = ${text(`forecast-${v.name}`)})`,
  );
  sockets.push(`(name = "hello", address = "127.0.0.1:${options.helloPort}", http = (), service = "hello")`);
  const plain = (options.plain ?? []).map((worker) => {
    sockets.push(`(name = ${text(worker.name)}, address = "127.0.0.1:${worker.port}", http = (), service = ${text(worker.name)})`);
    const bindings = Object.entries(worker.env ?? {}).map(([name, value]) => `(name = ${text(name)}, text = ${text(value)})`);
    return `(name = ${text(worker.name)}, worker = (
      modules = [(name = "index.js", esModule = embed ${text(worker.module)})],
      compatibilityDate = ${text(options.compatibilityDate)},
      bindings = [${[...bindings, ...limiterBinding(options)].join(", ")}],
      globalOutbound = "loopback",
    )),`;
  });
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    ${options.variants.map((v) => forecastService(options, v)).join(",\n    ")},
    (name = "cache", worker = (
      modules = [(name = "cache.js", esModule = embed ${text(options.cacheService)})],
      compatibilityDate = ${text(options.compatibilityDate)},
    )),
    (name = "hello", worker = (
      modules = [(name = "hello.js", esModule = embed ${text(options.hello)})],
      compatibilityDate = ${text(options.compatibilityDate)},
    )),
    ${plain.join("\n    ")}
    # The benchmark's store is on loopback, which the default "public" network refuses.
    (name = "loopback", network = (allow = ["local", "private", "public"])),
  ],
  sockets = [
    ${sockets.join(",\n    ")},
  ],
  extensions = [${options.rateLimit ? `(modules = [(name = "bench-internal:rate-limit", esModule = embed ${text(options.rateLimit.module)}, internal = true)])` : ""}],
);
`;
}
