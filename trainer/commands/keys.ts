// `trainer keys create|list|revoke`: read API keys for the Worker. Keys live
// in the Upstash store under the key prefix (hashed), not in Postgres, so the
// Worker checks one with a single store read and needs no database at the edge.
import { issueApiKey, listApiKeys, revokeApiKey } from "../../edge/contract/api-keys.ts";
import { API_KEY_ID_PATTERN } from "../../edge/contract/edge-keys.ts";
import { loadConfig, storeConfig } from "../config.ts";
import type { Logger } from "../log.ts";
import { connectStore } from "../publish/store.ts";
import { EXIT } from "./exit-codes.ts";

/** Only the store matters here: these commands never open Postgres. */
function keyStore() {
  const config = loadConfig({ ...process.env, DATABASE_URL: process.env.DATABASE_URL || "postgres://unused" }, { needsStore: true });
  return { redis: connectStore(storeConfig(config)), prefix: config.KEY_PREFIX };
}

export async function createKeyCommand(flags: { name: string; json: boolean }, log: Logger): Promise<number> {
  const name = flags.name.trim();
  if (!name || name.length > 100) {
    log.error("--name must be 1 to 100 characters: who or what the key is for");
    return EXIT.failed;
  }
  const { redis, prefix } = keyStore();
  const issued = await issueApiKey(redis, prefix, name);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(issued)}\n`);
  } else {
    process.stdout.write(`${issued.key}\n`);
    process.stderr.write(`API key ${issued.id} for "${name}" created under prefix "${prefix}". It is shown once and stored only as a hash; send it as X-API-Key.\n`);
  }
  return EXIT.ok;
}

export async function listKeysCommand(flags: { json: boolean }): Promise<number> {
  const { redis, prefix } = keyStore();
  const listed = await listApiKeys(redis, prefix);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(listed)}\n`);
  } else if (listed.length === 0) {
    process.stdout.write(`no API keys under prefix "${prefix}"\n`);
  } else {
    for (const key of listed) process.stdout.write(`${key.id}  ${key.createdAt}  ${key.name}\n`);
  }
  return EXIT.ok;
}

export async function revokeKeyCommand(id: string, log: Logger): Promise<number> {
  if (!API_KEY_ID_PATTERN.test(id)) {
    log.error(`key ids are 8 lowercase letters or digits (the part after fk_), got ${JSON.stringify(id.slice(0, 40))}`);
    return EXIT.failed;
  }
  const { redis, prefix } = keyStore();
  if (!(await revokeApiKey(redis, prefix, id))) {
    log.error(`no API key ${id} under prefix "${prefix}"; \`trainer keys list\` shows them`);
    return EXIT.failed;
  }
  log.info({ id }, `API key ${id} revoked; Workers stop accepting it within a minute (their memory of checked keys)`);
  return EXIT.ok;
}
