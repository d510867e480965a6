// Checks every piece of input before it can reach a Redis key or a cache URL.
import { CODE_PATTERN, HORIZONS, isHorizon, type Horizon } from "./contract/keys.ts";
import type { CodeList } from "./contract/grid.ts";
import { BadRequestError } from "./errors.ts";

export const DEFAULT_HORIZON: Horizon = 30;

export type Dimension = "city" | "store" | "product";

export type { CodeList } from "./contract/grid.ts";

/** Longest list one axis may name; the grid limit catches the product anyway. */
const MAX_LIST = 1000;

const quote = (raw: string) => JSON.stringify(raw.length > 70 ? `${raw.slice(0, 70)}…` : raw);

export function parseHorizon(raw: string | undefined): Horizon {
  if (raw === undefined || raw === "") return DEFAULT_HORIZON;
  const h = Number(raw);
  if (!/^\d+$/.test(raw) || !isHorizon(h)) {
    throw new BadRequestError("bad_horizon", `h must be one of ${HORIZONS.join(", ")} (days; default ${DEFAULT_HORIZON}), got ${quote(raw)}`);
  }
  return h;
}

export function parseCode(name: Dimension, raw: string | undefined): string {
  if (raw === undefined || !CODE_PATTERN.test(raw)) {
    throw new BadRequestError(
      "bad_identifier",
      `${name} must be a code of 1 to 64 lowercase letters, digits, "_" or "-" starting with a letter or digit, got ${raw === undefined ? "nothing" : quote(raw)}`,
    );
  }
  return raw;
}

/** `*`, or a comma-separated list of codes; duplicates are dropped and the order kept. */
export function parseCodeList(name: Dimension, raw: string | undefined): CodeList {
  if (raw === undefined || raw === "") {
    throw new BadRequestError("bad_identifier", `query parameter ${name} is required: a comma-separated list of codes, or * for every ${name}`);
  }
  if (raw === "*") return "*";
  const codes = [...new Set(raw.split(","))];
  if (codes.length > MAX_LIST) {
    throw new BadRequestError("bad_identifier", `${name} names ${codes.length} codes; at most ${MAX_LIST} per request`);
  }
  return codes.map((code) => parseCode(name, code));
}
