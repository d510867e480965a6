// Which CSV column holds what in a promotion plan. One row per planned
// promotion day, `date,store,item[,price]` by default: the same store and item
// columns `trainer import` reads, so ids become the same codes.
import { checkHeader, parseMapping, type Field } from "../import/mapping.ts";

export const PLAN_FIELDS = ["date", "city", "store", "product", "price"] as const satisfies readonly Field[];
export type PlanMapping = Partial<Record<(typeof PLAN_FIELDS)[number], string>> & { date: string };

export const DEFAULT_PLAN_LAYOUT: PlanMapping = { date: "date", store: "store", product: "item" };

/**
 * The layout for this header: the default with `--columns` applied; a
 * `price` column is read when the header has one and no other was named.
 * Throws ImportError when a named column is not in the header.
 */
export function planMapping(columns: string | undefined, header: string[]): PlanMapping {
  const mapping = parseMapping<PlanMapping>(columns, DEFAULT_PLAN_LAYOUT, PLAN_FIELDS);
  if (mapping.price === undefined && header.includes("price")) mapping.price = "price";
  checkHeader(mapping, header);
  return mapping;
}
