// One plan CSV record → one planned promotion day with its scope, or the
// reason it is bad. Codes are made by `trainer import`'s own rules (toCode),
// so "store 7" is store-7 here as there.
import { parseDay, parsePrice, toCode } from "../import/rows.ts";
import type { PlanMapping } from "./mapping.ts";

/** A store's product, a whole store, or a product in every store of a city. */
export type PlanScope =
  | { kind: "series"; store: string; product: string; city: string | null }
  | { kind: "store"; store: string; city: string | null }
  | { kind: "city"; city: string; product: string };

export interface PlanRow {
  line: number;
  day: string;
  scope: PlanScope;
  price: number | null;
}

export type ParsedPlanRow = { ok: true; row: PlanRow } | { ok: false; line: number; reason: string };

export function parsePlanRecord(record: Record<string, string>, line: number, mapping: PlanMapping, defaultCity: string): ParsedPlanRow {
  const bad = (reason: string): ParsedPlanRow => ({ ok: false, line, reason });
  const field = (name: keyof PlanMapping) => (mapping[name] === undefined ? undefined : (record[mapping[name]!] ?? ""));

  const dateText = field("date")!;
  const day = parseDay(dateText);
  if (!day) return bad(`date ${JSON.stringify(dateText)} is not a calendar date (YYYY-MM-DD)`);

  const code = (name: "store" | "product" | "city"): { code: string | null } | { reason: string } => {
    const text = field(name);
    if (text === undefined || text.trim() === "") return { code: null };
    const made = toCode(text, mapping[name]!);
    return made ? { code: made } : { reason: `${name} ${JSON.stringify(text)} gives no usable code (letters, digits, - and _)` };
  };
  const store = code("store");
  if ("reason" in store) return bad(store.reason);
  const product = code("product");
  if ("reason" in product) return bad(product.reason);
  const city = code("city");
  if ("reason" in city) return bad(city.reason);

  const price = parsePrice(field("price"));
  if (typeof price === "string") return bad(price);

  let scope: PlanScope;
  if (store.code && product.code) scope = { kind: "series", store: store.code, product: product.code, city: city.code };
  else if (store.code) scope = { kind: "store", store: store.code, city: city.code };
  else if (product.code) scope = { kind: "city", city: city.code ?? defaultCity, product: product.code };
  else return bad("names neither a store nor a product: a plan row needs a store, a product (in every store of its city), or both");
  return { ok: true, row: { line, day, scope, price } };
}

/** One key per scope and day: the same key twice is a repeat or a conflict. */
export function scopeKey(row: PlanRow): string {
  const s = row.scope;
  const id = s.kind === "series" ? `${s.store}/${s.product}` : s.kind === "store" ? `${s.store}/*` : `${s.city}:*/${s.product}`;
  return `${id}\u0000${row.day}`;
}
