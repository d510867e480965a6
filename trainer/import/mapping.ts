// Which CSV column holds what. The Kaggle store-item layout is the default;
// any other layout maps its own column names with --columns.

export const FIELDS = ["date", "store", "product", "units", "city", "promo", "price", "storeName", "productName", "cityName"] as const;
export type Field = (typeof FIELDS)[number];
export type ColumnMapping = Partial<Record<Field, string>> & Record<"date" | "store" | "product" | "units", string>;

/** Kaggle "Store Item Demand Forecasting": date,store,item,sales. */
export const KAGGLE_STORE_ITEM: ColumnMapping = { date: "date", store: "store", product: "item", units: "sales" };

export class ImportError extends Error {
  override name = "ImportError";
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** "units=qty,product=sku" → the Kaggle mapping (or another `base`) with those fields replaced; only `fields` may be named. */
export function parseMapping<M extends Partial<Record<Field, string>> = ColumnMapping>(
  text: string | undefined, base: M = KAGGLE_STORE_ITEM as unknown as M, fields: readonly Field[] = FIELDS,
): M {
  const mapping: M = { ...base };
  if (!text) return mapping;
  for (const pair of text.split(",")) {
    const [field, column, extra] = pair.split("=").map((s) => s.trim());
    if (!(fields as readonly string[]).includes(field) || !column || extra !== undefined) {
      throw new ImportError("bad_mapping",
        `--columns: ${JSON.stringify(pair)} must be field=column with field one of ${fields.join(", ")} (e.g. --columns ${fields.slice(0, 3).map((f) => `${f}=<column>`).join(",")})`);
    }
    (mapping as Partial<Record<Field, string>>)[field as Field] = column;
  }
  return mapping;
}

/** Every mapped column must be in the header; says which are missing and what the header has. */
export function checkHeader(mapping: Partial<Record<Field, string>>, header: string[]): void {
  const missing = Object.entries(mapping).filter(([, column]) => !header.includes(column!));
  if (missing.length) {
    throw new ImportError("missing_columns",
      `the header has no column ${missing.map(([f, c]) => `${JSON.stringify(c)} (for ${f})`).join(", ")}; it has ${header.map((h) => JSON.stringify(h)).join(", ")}. Map columns with --columns, e.g. --columns ${missing.map(([f]) => `${f}=<column>`).join(",")}`);
  }
}
