// Ports for what a benchmark starts. BENCH_PORTS=8800-8819 hands them out in
// order from that range (for machines where each user keeps to their own);
// unset, the system picks free ones.
import { freePort } from "../../scripts/wrangler-dev.ts";

const range = /^(\d+)-(\d+)$/.exec(process.env.BENCH_PORTS ?? "");
let next = range ? Number(range[1]) : 0;

export async function benchPort(): Promise<number> {
  if (!range) return freePort();
  if (next > Number(range[2])) throw new Error(`BENCH_PORTS=${process.env.BENCH_PORTS} has no port left`);
  return next++;
}
