// One CSV record → one sales row, or the reason it is bad. Codes follow the
// catalog's slug rule; bare numeric ids (Kaggle's "store 7") get their
// column's name in front ("store-7") so URLs stay readable.
import type { ColumnMapping } from "./mapping.ts";

export interface ImportRow {
  line: number;
  city: string;
  cityName: string;
  store: string;
  storeName: string;
  product: string;
  productName: string;
  day: string;
  units: number;
  promo: boolean;
  price: number | null;
}

export type Parsed = { ok: true; row: ImportRow } | { ok: false; line: number; reason: string };

const CODE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/;
const TRUE = new Set(["1", "true", "t", "yes", "y"]);
const FALSE = new Set(["", "0", "false", "f", "no", "n"]);
/** Letters that Unicode decomposition leaves whole. */
const LETTERS: Record<string, string> = { ø: "o", æ: "ae", œ: "oe", ß: "ss", đ: "d", ł: "l", þ: "th" };

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

/** An optional price column: null when absent or empty, else a number >= 0 or the reason it is not one. */
export function parsePrice(text: string | undefined): number | null | string {
  if (text === undefined || text.trim() === "") return null;
  const price = parseNumber(text);
  if (price === null) return `price ${JSON.stringify(text)} is not a number`;
  return price < 0 ? `price ${price} is negative` : price;
}

export function parseRecord(record: Record<string, string>, line: number, mapping: ColumnMapping, defaultCity: string): Parsed {
  const bad = (reason: string): Parsed => ({ ok: false, line, reason });
  const field = (name: keyof ColumnMapping) => (mapping[name] === undefined ? undefined : (record[mapping[name]!] ?? ""));

  const day = parseDay(field("date")!);
  if (!day) return bad(`date ${JSON.stringify(field("date"))} is not a calendar date (YYYY-MM-DD)`);
  const unitsText = field("units")!;
  const units = parseNumber(unitsText);
  if (units === null) return bad(`units ${JSON.stringify(unitsText)} is not a number`);
  if (units < 0) return bad(`units ${units} is negative`);

  const storeText = field("store")!;
  const store = toCode(storeText, mapping.store);
  if (!store) return bad(`store ${JSON.stringify(storeText)} gives no usable code (letters, digits, - and _)`);
  const productText = field("product")!;
  const product = toCode(productText, mapping.product);
  if (!product) return bad(`product ${JSON.stringify(productText)} gives no usable code (letters, digits, - and _)`);
  const cityText = field("city");
  const city = cityText === undefined ? defaultCity : toCode(cityText, mapping.city!);
  if (!city) return bad(`city ${JSON.stringify(cityText)} gives no usable code (letters, digits, - and _)`);

  let promo = false;
  const promoText = field("promo");
  if (promoText !== undefined) {
    const p = promoText.trim().toLowerCase();
    if (TRUE.has(p)) promo = true;
    else if (!FALSE.has(p)) return bad(`promo ${JSON.stringify(promoText)} is not 1/0, true/false or yes/no`);
  }
  const price = parsePrice(field("price"));
  if (typeof price === "string") return bad(price);
  return {
    ok: true,
    row: {
      line, day, units, promo, price,
      city, cityName: field("cityName")?.trim() || cityText?.trim() || city,
      store, storeName: field("storeName")?.trim() || storeText.trim(),
      product, productName: field("productName")?.trim() || productText.trim(),
    },
  };
}
