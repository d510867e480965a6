// The edge project: tests run inside workerd through @cloudflare/vitest-plugin,
// against the project's Upstash-compatible endpoint started by the global
// setup (over real Redis when REDIS_URL is set). The global setup bundles the
// Worker first, so a bundling error fails the tests. List this file under the
// root config's `test.projects`.
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineProject } from "vitest/config";
import type { EdgeTestEndpoints } from "./test/edge/endpoints.ts";

export default defineProject({
  plugins: [
    cloudflareTest(({ inject }) => {
      const endpoints = inject<EdgeTestEndpoints>("edgeEndpoints");
      return {
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          // Tests get the store through bindings; each test still picks its own KEY_PREFIX.
          bindings: {
            UPSTASH_REDIS_REST_URL: endpoints.storeUrl,
            UPSTASH_REDIS_REST_TOKEN: endpoints.storeToken,
            TEST_CLOSED_STORE_URL: endpoints.closedStoreUrl,
            TEST_SILENT_STORE_URL: endpoints.silentStoreUrl,
            TEST_STORE_BACKEND: endpoints.storeBackend,
          },
          // A rate limiter small enough for a test to run past (wrangler.toml's allows 600 a minute).
          ratelimits: { TEST_RATE_LIMITER: { namespace_id: "9001", simple: { limit: 3, period: 60 } } },
        },
      };
    }),
  ],
  test: {
    name: "edge",
    include: ["test/edge/**/*.test.ts"],
    globalSetup: ["test/edge/global-setup.ts"],
    testTimeout: 20_000,
  },
});
