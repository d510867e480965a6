// What the OpenAPI document says about the API as a whole: its title,
// credentials and the routes left out of it.
import type { GenerateSpecOptions } from "hono-openapi";

export const documentOptions: Partial<GenerateSpecOptions> = {
  documentation: {
    info: {
      title: "Forecast API",
      version: "1",
      description:
        "Demand forecasts for every city × store × product, served from the edge. Every error is `{\"error\": {\"code\", \"message\"}}` with a stable code; forecast answers carry an ETag (send it back in If-None-Match for a 304) and Server-Timing. A typed client is in the repository's client/ folder (docs/edge-api.md).",
    },
    tags: [
      { name: "forecasts", description: "reads under /v1: an API key when REQUIRE_API_KEY=on, a rate limit per key or address" },
      { name: "operations", description: "health and metrics" },
      { name: "admin", description: "behind ADMIN_TOKEN" },
      { name: "reference", description: "this document and its page (API_DOCS=off turns both off)" },
    ],
    components: {
      securitySchemes: {
        apiKey: { type: "apiKey", in: "header", name: "X-API-Key", description: "a key from `trainer keys create`; needed when REQUIRE_API_KEY=on" },
        bearerKey: { type: "http", scheme: "bearer", description: "the same key as Authorization: Bearer fk_…" },
        adminToken: { type: "http", scheme: "bearer", description: "ADMIN_TOKEN" },
      },
    },
  },
  // Refusals are the API's own error shape, described per route.
  defaultValidationErrorResponse: false,
  // The document's own path ends in .json; nothing served is a static file here.
  excludeStaticFile: false,
};
