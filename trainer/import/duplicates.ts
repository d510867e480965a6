// Which key (store, product, day) a file has named before, on which line and
// with which values: a repeat with the same values is loaded once, one with
// other values is a bad row. Keys are numbers (a series number beside the
// day's number) and values sit in flat arrays, so a million-line file holds
// one number-keyed map instead of a million key strings and value objects.
import type { ImportRow } from "./rows.ts";

const DAY_MS = 86_400_000;
/** Day numbers count from 1900-01-01; dates are checked to lie between 1990 and tomorrow, far inside this span. */
const DAYS = 1 << 17;

export class DuplicateKeys {
  readonly #series = new Map<string, Map<string, number>>();
  #seriesCount = 0;
  readonly #days = new Map<string, number>();
  /** Key → index of its first row in the arrays below. */
  readonly #keys = new Map<number, number>();
  readonly #line: number[] = [];
  readonly #units: number[] = [];
  /** 0 false, 1 true, 2 not in the file. */
  readonly #promo: number[] = [];
  /** NaN when not in the file. */
  readonly #price: number[] = [];

  /** The row's key, for `check` and `remember`. */
  key(row: ImportRow): number {
    return this.#seriesNumber(row.store, row.product) * DAYS + this.#dayNumber(row.day);
  }

  /** null when the key is new, else the line that named it first and whether the values agree. */
  check(key: number, row: ImportRow): { line: number; same: boolean } | null {
    const at = this.#keys.get(key);
    if (at === undefined) return null;
    const same = this.#units[at] === row.units && this.#promo[at] === promoCode(row) && samePrice(this.#price[at], row.price ?? Number.NaN);
    return { line: this.#line[at], same };
  }

  /** The first good row with this key. */
  remember(key: number, row: ImportRow): void {
    this.#keys.set(key, this.#line.length);
    this.#line.push(row.line);
    this.#units.push(row.units);
    this.#promo.push(promoCode(row));
    this.#price.push(row.price ?? Number.NaN);
  }

  #seriesNumber(store: string, product: string): number {
    let products = this.#series.get(store);
    if (!products) this.#series.set(store, (products = new Map()));
    let n = products.get(product);
    if (n === undefined) {
      n = this.#seriesCount++;
      products.set(product, n);
    }
    return n;
  }

  #dayNumber(day: string): number {
    let n = this.#days.get(day);
    if (n === undefined) {
      n = Math.round(Date.parse(`${day}T00:00:00Z`) / DAY_MS) + 25_567;
      this.#days.set(day, n);
    }
    return n;
  }
}

function promoCode(row: ImportRow): number {
  return row.promo === null ? 2 : row.promo ? 1 : 0;
}

/** Both absent (NaN) or equal. */
function samePrice(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}
