// One plan CSV record → one planned promotion day with its scope, or the
// reason it is bad (a stable code and a sentence, as `trainer import` gives).
// Codes are made by `trainer import`'s own rules (toCode), so "store 7" is
// store-7 here as there. Days may lie in the future: that is what a plan is.
import { EARLIEST_DAY, parseDay, parsePrice, toCode, type RowProblem } from "../import/rows.ts";
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

export type ParsedPlanRow = { ok: true; row: PlanRow } | ({ ok: false } & RowProblem);

/** Column positions of a mapping in a header (the file's records are arrays, as `trainer import` reads them). */
export function columnsAt(mapping: PlanMapping, header: string[]): Partial<Record<keyof PlanMapping, number>> {
  return Object.fromEntries(Object.entries(mapping).map(([field, column]) => [field, header.indexOf(column!)]));
}

export function parsePlanRecord(record: string[], line: number, mapping: PlanMapping, at: Partial<Record<keyof PlanMapping, number>>, defaultCity: string): ParsedPlanRow {
  const bad = (code: string, reason: string): ParsedPlanRow => ({ ok: false, code, reason });
  const field = (name: keyof PlanMapping) => (at[name] === undefined ? undefined : (record[at[name]!] ?? ""));

  const dateText = field("date")!;
  const day = parseDay(dateText);
  if (!day) return bad("bad_date", `date ${JSON.stringify(dateText)} is not a calendar date (YYYY-MM-DD)`);
  if (day < EARLIEST_DAY) return bad("date_out_of_range", `date ${day} is before ${EARLIEST_DAY}`);

  const code = (name: "store" | "product" | "city"): { code: string | null } | RowProblem => {
    const text = field(name);
    if (text === undefined || text.trim() === "") return { code: null };
    const made = toCode(text, mapping[name]!);
    return made ? { code: made } : { code: "bad_code", reason: `${name} ${JSON.stringify(text)} gives no usable code (letters, digits, - and _)` };
  };
  const store = code("store");
  if ("reason" in store) return { ok: false, ...store };
  const product = code("product");
  if ("reason" in product) return { ok: false, ...product };
  const city = code("city");
  if ("reason" in city) return { ok: false, ...city };

  const price = parsePrice(field("price"));
  if (price !== null && typeof price === "object") return { ok: false, ...price };

  let scope: PlanScope;
  if (store.code && product.code) scope = { kind: "series", store: store.code, product: product.code, city: city.code };
  else if (store.code) scope = { kind: "store", store: store.code, city: city.code };
  else if (product.code) scope = { kind: "city", city: city.code ?? defaultCity, product: product.code };
  else return bad("no_scope", "names neither a store nor a product: a plan row needs a store, a product (in every store of its city), or both");
  return { ok: true, row: { line, day, scope, price } };
}

/** One key per scope and day: the same key twice is a repeat or a conflict. */
export function scopeKey(row: PlanRow): string {
  const s = row.scope;
  const id = s.kind === "series" ? `${s.store}/${s.product}` : s.kind === "store" ? `${s.store}/*` : `${s.city}:*/${s.product}`;
  return `${id}\u0000${row.day}`;
}
