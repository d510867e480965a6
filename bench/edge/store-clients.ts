// Measures what @upstash/redis (configured as edge/store.ts configures it)
// costs per call over a thin fetch of the same REST command, against the same
// endpoint, so the choice of client on the Worker's hot path rests on numbers.
import { Redis } from "@upstash/redis";
import { keys } from "../../edge/contract/keys.ts";

export interface ClientTiming {
  call: string;
  upstashMicros: number;
  fetchMicros: number;
}

async function timePerCall(count: number, run: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 50; i++) await run(i);
  const started = performance.now();
  for (let i = 0; i < count; i++) await run(i);
  return ((performance.now() - started) * 1000) / count;
}

export async function measureStoreClients(options: { url: string; token: string; prefix: string; version: string; fields: string[] }): Promise<ClientTiming[]> {
  const { url, token, version, fields } = options;
  const hash = keys(options.prefix).horizon(version, 30);
  const redis = new Redis({
    url, token, responseEncoding: false, automaticDeserialization: false, enableTelemetry: false,
    readYourWrites: false, enableAutoPipelining: false, retry: { retries: 1, backoff: () => 20 },
  });
  const thin = async (command: string[]) => {
    const res = await fetch(url, { method: "POST", headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify(command) });
    return ((await res.json()) as { result: unknown }).result;
  };

  const rows: ClientTiming[] = [];
  rows.push({
    call: "HGET one series",
    upstashMicros: await timePerCall(2000, (i) => redis.hget(hash, fields[i % fields.length]!)),
    fetchMicros: await timePerCall(2000, (i) => thin(["HGET", hash, fields[i % fields.length]!])),
  });
  rows.push({
    call: `HMGET ${fields.length} series`,
    upstashMicros: await timePerCall(300, () => redis.hmget(hash, ...fields)),
    fetchMicros: await timePerCall(300, () => thin(["HMGET", hash, ...fields])),
  });
  return rows;
}
