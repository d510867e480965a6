// A program that starts the Worker under `wrangler dev` and then waits to be
// killed, for the test that kills it: prints {"url", "guard"} once it serves.
import { freePort, startWranglerDev } from "../../scripts/wrangler-dev.ts";

const [storeUrl, storeToken, prefix] = process.argv.slice(2);
const worker = await startWranglerDev({
  port: await freePort(),
  vars: { UPSTASH_REDIS_REST_URL: storeUrl, UPSTASH_REDIS_REST_TOKEN: storeToken, KEY_PREFIX: prefix },
});
console.log(JSON.stringify({ url: worker.url, guard: worker.pid }));
setInterval(() => {}, 60_000);
