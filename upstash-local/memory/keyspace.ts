// The in-process store: one Map of keys to typed values, with expiry honoured
// lazily on every read and by a small periodic sweep, as Redis does.
import { CommandError } from "../errors.ts";
import { SortedSet } from "./sorted-set.ts";

export type Value =
  | { type: "string"; value: string }
  | { type: "hash"; value: Map<string, string> }
  | { type: "zset"; value: SortedSet }
  | { type: "list"; value: string[] };

export type ValueType = Value["type"];
type ValueOf<T extends ValueType> = Extract<Value, { type: T }>["value"];

interface Slot {
  value: Value;
  /** Epoch milliseconds; 0 means the key does not expire. */
  expiresAt: number;
  /**
   * Creation order. Map iteration follows it, so SCAN can resume after the
   * last sequence it returned without missing keys that other calls deleted.
   */
  readonly seq: number;
}

const SWEEP_INTERVAL_MS = 250;
const SWEEP_KEYS_PER_TICK = 200;

export const wrongType = (): CommandError =>
  new CommandError("WRONGTYPE Operation against a key holding the wrong kind of value");

export class Keyspace {
  #slots = new Map<string, Slot>();
  #expiring = new Set<string>();
  #sweepCursor: Iterator<string> = this.#expiring.values();
  #nextSeq = 1;
  #sweeper: NodeJS.Timeout;

  constructor() {
    // Reads already drop expired keys; the sweep only frees memory of keys
    // nobody reads again, so it must never keep the process alive.
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_INTERVAL_MS);
    this.#sweeper.unref();
  }

  /** The live slot of a key, deleting it first if it has expired. */
  #live(key: string): Slot | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined || slot.expiresAt === 0 || slot.expiresAt > Date.now()) return slot;
    this.delete(key);
    return undefined;
  }

  has(key: string): boolean {
    return this.#live(key) !== undefined;
  }

  typeOf(key: string): ValueType | undefined {
    return this.#live(key)?.value.type;
  }

  /** The value of a key if it has the given type; WRONGTYPE if it has another. */
  read<T extends ValueType>(key: string, type: T): ValueOf<T> | undefined {
    const slot = this.#live(key);
    if (slot === undefined) return undefined;
    if (slot.value.type !== type) throw wrongType();
    return slot.value.value as ValueOf<T> | undefined;
  }

  /** The hash, sorted set or list to modify in place, created empty when missing. */
  readForUpdate<T extends "hash" | "zset" | "list">(key: string, type: T): ValueOf<T> {
    const existing = this.read(key, type);
    if (existing !== undefined) return existing;
    const created = (type === "hash" ? new Map<string, string>() : type === "list" ? [] : new SortedSet()) as ValueOf<T>;
    this.#slots.set(key, { value: { type, value: created } as Value, expiresAt: 0, seq: this.#nextSeq++ });
    return created;
  }

  /** Stores a value, replacing any other; `expiresAt` is epoch ms, 0 for never. */
  write(key: string, value: Value, expiresAt = 0): void {
    let slot = this.#live(key);
    if (slot === undefined) {
      slot = { value, expiresAt: 0, seq: this.#nextSeq++ };
      this.#slots.set(key, slot);
    } else {
      slot.value = value;
    }
    this.setExpiry(key, expiresAt, slot);
  }

  /** Drops a hash or sorted set that has become empty, as Redis never stores empty ones. */
  dropIfEmpty(key: string, size: number): void {
    if (size === 0) this.delete(key);
  }

  delete(key: string): boolean {
    if (!this.#slots.delete(key)) return false;
    this.#expiring.delete(key);
    return true;
  }

  /** Epoch ms the key expires at, 0 for never, undefined when the key does not exist. */
  expiryOf(key: string): number | undefined {
    return this.#live(key)?.expiresAt;
  }

  setExpiry(key: string, expiresAt: number, slot = this.#live(key)): void {
    if (slot === undefined) return;
    slot.expiresAt = expiresAt;
    if (expiresAt === 0) this.#expiring.delete(key);
    else this.#expiring.add(key);
  }

  get size(): number {
    let live = 0;
    for (const key of this.#slots.keys()) if (this.#live(key)) live++;
    return live;
  }

  *keys(): Generator<string> {
    for (const key of this.#slots.keys()) if (this.#live(key)) yield key;
  }

  /**
   * Examines up to `count` keys created after `cursor` and returns the ones
   * that pass the filters, with the cursor to resume from (0 when done).
   */
  scan(cursor: number, count: number, accept: (key: string, type: ValueType) => boolean): [number, string[]] {
    const found: string[] = [];
    let examined = 0;
    for (const [key, slot] of this.#slots) {
      if (slot.seq <= cursor) continue;
      if (examined === count) return [cursor, found];
      examined++;
      cursor = slot.seq;
      const live = this.#live(key);
      if (live !== undefined && accept(key, live.value.type)) found.push(key);
    }
    return [0, found];
  }

  flush(): void {
    this.#slots.clear();
    this.#expiring.clear();
  }

  close(): void {
    clearInterval(this.#sweeper);
  }

  #sweep(): void {
    const now = Date.now();
    for (let i = 0; i < SWEEP_KEYS_PER_TICK; i++) {
      const next = this.#sweepCursor.next();
      if (next.done) {
        this.#sweepCursor = this.#expiring.values();
        return;
      }
      const slot = this.#slots.get(next.value);
      if (slot !== undefined && slot.expiresAt !== 0 && slot.expiresAt <= now) this.delete(next.value);
    }
  }
}
