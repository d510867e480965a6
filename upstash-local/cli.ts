// Runs the Upstash-compatible REST endpoint on its own:
//   tsx upstash-local/cli.ts --port 8079 --token dev-token [--redis-url redis://127.0.0.1:6379]
import { parseArgs } from "node:util";
import { BackendUnavailableError, UpstashLocalConfigError } from "./errors.ts";
import { startUpstashLocal } from "./server.ts";

const HELP = `Usage: tsx upstash-local/cli.ts --token <token> [options]

Serves Upstash Redis's REST protocol, so @upstash/redis clients work locally.

Options:
  --token <token>      bearer token clients must send (default: $UPSTASH_REDIS_REST_TOKEN)
  --port <port>        port to listen on; 0 picks a free one (default: 8079)
  --host <host>        address to listen on (default: 127.0.0.1)
  --redis-url <url>    send commands to this Redis (default: $REDIS_URL);
                       without it an in-process store is used
  -h, --help           show this help

Point clients at it with:
  UPSTASH_REDIS_REST_URL=<printed url> UPSTASH_REDIS_REST_TOKEN=<token>`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      token: { type: "string" },
      port: { type: "string", default: "8079" },
      host: { type: "string", default: "127.0.0.1" },
      "redis-url": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const server = await startUpstashLocal({
    token: values.token ?? process.env.UPSTASH_REDIS_REST_TOKEN ?? "",
    port: /^\d+$/.test(values.port) ? Number(values.port) : Number.NaN,
    host: values.host,
    redisUrl: values["redis-url"] ?? (process.env.REDIS_URL || undefined),
  });
  console.log(`upstash-local listening on ${server.url} (backend: ${server.backend})`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`upstash-local: ${signal}, closing`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error("upstash-local: error while closing", error);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  // Start-up problems are the user's to fix: print what to change, not a stack.
  if (error instanceof UpstashLocalConfigError || error instanceof BackendUnavailableError) {
    console.error(error.message);
    if (error.cause instanceof Error) console.error(`  cause: ${error.cause.message}`);
  } else if (error instanceof TypeError && (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    console.error(`${error.message}\n\n${HELP}`);
  } else {
    console.error(error);
  }
  process.exit(1);
});
