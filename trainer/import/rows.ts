// One CSV record → one sales row, or the reason it is bad. Codes follow the
// catalog's slug rule; bare numeric ids (Kaggle's "store 7") get their
// column's name in front ("store-7") so URLs stay readable.
import type { ColumnMapping } from "./mapping.ts";

export interface ImportRow {
  line: number;
  city: string;
  cityName: string;
  /** The file's text for the city, or null when it comes from --city. */
  citySource: string | null;
  store: string;
  storeName: string;
  storeSource: string;
  product: string;
  productName: string;
  productSource: string;
  day: string;
  units: number;
  /** null when the file has no promo column: the stored value stays. */
  promo: boolean | null;
  /** null when the file has no price column or leaves the cell empty. */
  price: number | null;
}

/** Why a row is bad: a stable code for scripts and a sentence for people. */
export interface RowProblem {
  code: string;
  reason: string;
}

export type Parsed = { ok: true; row: ImportRow } | ({ ok: false } & RowProblem);

function bad(code: string, reason: string): Parsed {
  return { ok: false, code, reason };
}

const CODE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/;
const TRUE = new Set(["1", "true", "t", "yes", "y"]);
const FALSE = new Set(["", "0", "false", "f", "no", "n"]);
/** Letters that Unicode decomposition leaves whole. */
const LETTERS: Record<string, string> = { ø: "o", æ: "ae", œ: "oe", ß: "ss", đ: "d", ł: "l", þ: "th" };
/** Sales before this are a typo, not history (and would stretch every window back decades). */
export const EARLIEST_DAY = "1990-01-01";

export function toCode(value: string, column: string): string | null {
  const trimmed = value.trim();
  const slug = trimmed.toLowerCase().replace(/[øæœßđłþ]/g, (c) => LETTERS[c]).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^a-z0-9_-]+/g, "-").replace(/^[-_]+|-+$/g, "");
  const code = /^\d+$/.test(slug) ? `${toCodeWord(column)}-${slug}` : slug;
  return CODE.test(code) ? code : null;
}

function toCodeWord(column: string): string {
  return column.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "id";
}

export function parseDay(text: string): string | null {
  const m = DAY.exec(text.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

export function parseNumber(text: string): number | null {
  const t = text.trim();
  if (t === "") return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** An optional price column: null when absent or empty, else a number >= 0 or why it is not one. */
export function parsePrice(text: string | undefined): number | null | RowProblem {
  if (text === undefined || text.trim() === "") return null;
  const price = parseNumber(text);
  if (price === null) return { code: "bad_price", reason: `price ${JSON.stringify(text)} is not a number` };
  return price < 0 ? { code: "negative_price", reason: `price ${price} is negative` } : price;
}

/** The last day a file may carry: tomorrow in UTC, so a store a time zone ahead is not refused. */
export function latestAllowedDay(now: Date = new Date()): string {
  return new Date(now.getTime() + 86_400_000).toISOString().slice(0, 10);
}

/**
 * Parses records of one file. Codes and days repeat on almost every line, so
 * each distinct text is slugged or checked once; that is most of the speed.
 */
export class RowParser {
  readonly #at: Partial<Record<keyof ColumnMapping, number>> = {};
  readonly #mapping: ColumnMapping;
  readonly #defaultCity: string;
  readonly #latestDay: string;
  readonly #codes = { city: new Map<string, string | null>(), store: new Map<string, string | null>(), product: new Map<string, string | null>() };
  readonly #days = new Map<string, string | RowProblem>();

  constructor(mapping: ColumnMapping, header: string[], options: { defaultCity: string; latestDay: string }) {
    this.#mapping = mapping;
    for (const [field, column] of Object.entries(mapping)) this.#at[field as keyof ColumnMapping] = header.indexOf(column!);
    this.#defaultCity = options.defaultCity;
    this.#latestDay = options.latestDay;
  }

  parse(record: string[], line: number): Parsed {
    // No closures here: this runs once per line.
    const dayText = this.#field(record, "date")!;
    const day = this.#day(dayText);
    if (typeof day !== "string") return { ok: false, ...day };
    const unitsText = this.#field(record, "units")!;
    const units = parseNumber(unitsText);
    if (units === null) return bad("bad_units", `units ${JSON.stringify(unitsText)} is not a number`);
    if (units < 0) return bad("negative_units", `units ${units} is negative`);

    const storeText = this.#field(record, "store")!;
    const store = this.#code("store", storeText);
    if (!store) return bad("bad_code", `store ${JSON.stringify(storeText)} gives no usable code (letters, digits, - and _)`);
    const productText = this.#field(record, "product")!;
    const product = this.#code("product", productText);
    if (!product) return bad("bad_code", `product ${JSON.stringify(productText)} gives no usable code (letters, digits, - and _)`);
    const cityText = this.#field(record, "city");
    const city = cityText === undefined ? this.#defaultCity : this.#code("city", cityText);
    if (!city) return bad("bad_code", `city ${JSON.stringify(cityText)} gives no usable code (letters, digits, - and _)`);

    let promo: boolean | null = null;
    const promoText = this.#field(record, "promo");
    if (promoText !== undefined) {
      const p = promoText.trim().toLowerCase();
      if (TRUE.has(p)) promo = true;
      else if (FALSE.has(p)) promo = false;
      else return bad("bad_promo", `promo ${JSON.stringify(promoText)} is not 1/0, true/false or yes/no`);
    }
    const price = parsePrice(this.#field(record, "price"));
    if (price !== null && typeof price === "object") return { ok: false, ...price };
    return {
      ok: true,
      row: {
        line, day, units, promo, price,
        city, cityName: this.#field(record, "cityName")?.trim() || cityText?.trim() || city, citySource: cityText?.trim() ?? null,
        store, storeName: this.#field(record, "storeName")?.trim() || storeText.trim(), storeSource: storeText.trim(),
        product, productName: this.#field(record, "productName")?.trim() || productText.trim(), productSource: productText.trim(),
      },
    };
  }

  #field(record: string[], name: keyof ColumnMapping): string | undefined {
    const i = this.#at[name];
    return i === undefined ? undefined : (record[i] ?? "");
  }

  #code(kind: "city" | "store" | "product", text: string): string | null {
    const cache = this.#codes[kind];
    let code = cache.get(text);
    if (code === undefined) {
      code = toCode(text, this.#mapping[kind]!);
      cache.set(text, code);
    }
    return code;
  }

  #day(text: string): string | RowProblem {
    let day = this.#days.get(text);
    if (day === undefined) {
      const parsed = parseDay(text);
      day = parsed === null ? { code: "bad_date", reason: `date ${JSON.stringify(text)} is not a calendar date (YYYY-MM-DD)` }
        : parsed < EARLIEST_DAY ? { code: "date_out_of_range", reason: `date ${parsed} is before ${EARLIEST_DAY}` }
        : parsed > this.#latestDay ? { code: "date_out_of_range", reason: `date ${parsed} is after tomorrow (${this.#latestDay}): sales cannot be in the future` }
        : parsed;
      this.#days.set(text, day);
    }
    return day;
  }
}
