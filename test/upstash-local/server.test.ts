// Start-up failures: every bad option at once, and an unreachable Redis
// reported as such instead of requests that hang.
import { expect, test } from "vitest";
import { BackendUnavailableError, UpstashLocalConfigError } from "../../upstash-local/errors.ts";
import { startUpstashLocal } from "../../upstash-local/server.ts";

test("every bad option is reported in one error", async () => {
  const failure = await startUpstashLocal({ token: "", port: 70_000, redisUrl: "http://x" }).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(UpstashLocalConfigError);
  expect((failure as UpstashLocalConfigError).problems).toEqual([
    expect.stringContaining("token must be a non-empty string"),
    expect.stringContaining("port must be an integer from 0 to 65535"),
    expect.stringContaining("redisUrl must look like redis://"),
  ]);
});

test("an unreachable Redis fails start-up with BackendUnavailableError", async () => {
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  const failure = await startUpstashLocal({ token: "t", redisUrl: "redis://:secret@127.0.0.1:1" }).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(BackendUnavailableError);
  expect((failure as Error).message).toBe("cannot reach Redis at redis://:***@127.0.0.1:1");
  expect((failure as Error).cause).toBeInstanceOf(Error);
});

test("a port in use is reported, not thrown raw", async () => {
  const first = await startUpstashLocal({ token: "t" });
  try {
    const port = Number(new URL(first.url).port);
    const failure = await startUpstashLocal({ token: "t", port }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstashLocalConfigError);
    expect((failure as Error).message).toContain("EADDRINUSE");
  } finally {
    await first.close();
  }
});
