import { defineConfig } from "vitest/config";

// Two projects: Node-side tests (SQL, trainer, the Upstash-compatible
// endpoint, end to end) and the Worker's tests inside workerd.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "node",
          include: ["test/**/*.test.ts"],
          exclude: ["test/edge/**"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      "./vitest.edge.config.ts",
    ],
  },
});
