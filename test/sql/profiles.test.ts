// The seasonal_profiles view, and the same profiles as of earlier cut-offs,
// against profiles computed here, independently, from the same hand-made sales: ratio to centred moving levels, shrinkage
// toward the global level, rescaling, growth, and the per-series combination.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upsertCatalog, type CatalogIds } from "../../trainer/ingest/catalog.ts";
import { loadSales, type SalesInput } from "../../trainer/ingest/sales.ts";
import { refreshFeatures } from "../../trainer/run/refresh.ts";
import { loadProfiles, loadProfilesAsOf } from "../../trainer/run/profiles.ts";
import { isolatedDatabase, type TestDatabase } from "../support/database.ts";

const DAY = 86_400_000;
const LAST = Date.UTC(2024, 5, 30); // 2024-06-30
const WINDOW = 800;
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
const PRIOR_WEEKS = 8;
const PRIOR_YEARS = 1;

// Four series with different weekly and yearly shapes, a growing one, a
// product launched 60 days ago (too short for its own month indices), days
// without any record (zeros), and one series that sold only before the window.
const WEEK = { p1: [1, 1, 1, 1, 1.4, 2, 0.6], p2: [0.5, 1, 1, 1, 1, 1.5, 2], p3: [1, 1, 1, 1, 1, 1, 1] };
const SERIES = [
  { store: "s1", product: "p1", base: 20, growth: 0.3, days: 900 },
  { store: "s2", product: "p1", base: 8, growth: 0, days: 900 },
  { store: "s1", product: "p2", base: 12, growth: -0.1, days: 700 },
  { store: "s2", product: "p3", base: 5, growth: 0, days: 60 },
] as const;

function salesRows(): SalesInput[] {
  const rows: SalesInput[] = [];
  for (const [k, s] of SERIES.entries()) {
    for (let i = 0; i < s.days; i++) {
      const t = LAST - i * DAY;
      const date = new Date(t);
      if ((i * 7 + k) % 11 === 0) continue; // no record: a zero day
      const weekday = (date.getUTCDay() + 6) % 7;
      const month = date.getUTCMonth();
      const yearly = 1 + 0.4 * Math.sin((2 * Math.PI * (month + k)) / 12);
      const trend = 1 + (s.growth * (900 - i)) / 365;
      const wobble = 1 + 0.2 * Math.sin(i * 1.7 + k);
      const units = Math.round(s.base * trend * WEEK[s.product][weekday] * yearly * wobble);
      rows.push({ store: s.store, product: s.product, day: iso(t), units, promo: false });
    }
  }
  rows.push({ store: "s1", product: "p4", day: iso(LAST - (WINDOW + 10) * DAY), units: 9, promo: false });
  return rows;
}

interface Expected {
  dayOfWeek: number[];
  monthOfYear: number[];
  growth: number | null;
  historyDays: number;
}

/** Daily totals of a member from its first sale in the window to `last`, zeros filled. */
function memberDays(rows: SalesInput[], member: (r: SalesInput) => boolean, last: number): { day: number; units: number }[] {
  const first = last - (WINDOW - 1) * DAY;
  const totals = new Map<number, number>();
  for (const r of rows) {
    const t = Date.parse(`${r.day}T00:00:00Z`);
    if (t < first || t > last || !member(r)) continue;
    totals.set(t, (totals.get(t) ?? 0) + r.units);
  }
  const start = Math.min(...totals.keys());
  const days = [];
  for (let t = start; t <= last; t += DAY) days.push({ day: t, units: totals.get(t) ?? 0 });
  return days;
}

function raw(days: { day: number; units: number }[], half: number, positionOf: (t: number) => number, positions: number) {
  const units = new Array(positions).fill(0);
  const level = new Array(positions).fill(0);
  const count = new Array(positions).fill(0);
  for (let i = half; i < days.length - half; i++) {
    let sum = 0;
    for (let j = i - half; j <= i + half; j++) sum += days[j].units;
    const p = positionOf(days[i].day);
    units[p] += days[i].units;
    level[p] += sum / (2 * half + 1);
    count[p]++;
  }
  return units.map((u, p) => (level[p] > 0 ? { ratio: u / level[p], count: count[p] } : { ratio: 0, count: 0 }));
}

function shrinkAndScale(observed: { ratio: number; weight: number }[], parent: number[], prior: number): number[] {
  const shrunk = observed.map((o, p) => (o.weight + prior > 0 ? (o.weight * o.ratio + prior * parent[p]) / (o.weight + prior) : parent[p]));
  const mean = shrunk.reduce((a, b) => a + b, 0) / shrunk.length;
  return shrunk.map((v) => v / mean);
}

/** Profiles from the days up to `last` only, computed here without SQL. */
function expectedProfiles(rows: SalesInput[], last = LAST) {
  const weekday = (t: number) => (new Date(t).getUTCDay() + 6) % 7;
  const month = (t: number) => new Date(t).getUTCMonth();
  const measure = (member: (r: SalesInput) => boolean) => {
    const days = memberDays(rows, member, last);
    const dow = raw(days, 3, weekday, 7).map((r) => ({ ratio: r.ratio, weight: r.count }));
    const mon = raw(days, 182, month, 12).map((r) => ({ ratio: r.ratio, weight: r.count / 30.4375 }));
    let growth: number | null = null;
    if (days.length >= 730) {
      const sum = (from: number, to: number) => days.slice(from, to).reduce((a, d) => a + d.units, 0);
      const before = sum(days.length - 730, days.length - 365);
      // Nothing sold in the year before: no growth of its own.
      growth = before > 0 ? sum(days.length - 365, days.length) / before : null;
    }
    return { dow, mon, growth, historyDays: days.length };
  };
  const flat7 = new Array(7).fill(1);
  const flat12 = new Array(12).fill(1);
  const g = measure(() => true);
  // The global level keeps its own ratios (flat where unobserved); children shrink toward them, before rescaling.
  const gDow = g.dow.map((o) => (o.weight > 0 ? o.ratio : 1));
  const gMon = g.mon.map((o) => (o.weight > 0 ? o.ratio : 1));
  const out = new Map<string, Expected>();
  out.set("global:0", {
    dayOfWeek: shrinkAndScale(g.dow, flat7, 0),
    monthOfYear: shrinkAndScale(g.mon, flat12, 0),
    growth: g.growth ?? 1,
    historyDays: g.historyDays,
  });
  const child = (key: string, member: (r: SalesInput) => boolean) => {
    // A member with no sale in the window has no row.
    if (memberDays(rows, member, last).length === 0 || !Number.isFinite(memberDays(rows, member, last)[0].day)) return;
    const m = measure(member);
    out.set(key, {
      dayOfWeek: shrinkAndScale(m.dow, gDow, PRIOR_WEEKS),
      monthOfYear: shrinkAndScale(m.mon, gMon, PRIOR_YEARS),
      growth: m.growth ?? g.growth ?? 1,
      historyDays: m.historyDays,
    });
  };
  for (const product of ["p1", "p2", "p3", "p4"]) child(`product:${product}`, (r) => r.product === product);
  for (const store of ["s1", "s2"]) child(`store:${store}`, (r) => r.store === store);
  return out;
}

let database: TestDatabase;
let ids: CatalogIds;
const rows = salesRows();

beforeAll(async () => {
  database = await isolatedDatabase();
  ids = await upsertCatalog(database.sql, {
    cities: [{ code: "c1", name: "City One" }],
    stores: [{ code: "s1", name: "Store One", city: "c1" }, { code: "s2", name: "Store Two", city: "c1" }],
    products: ["p1", "p2", "p3", "p4"].map((code) => ({ code, name: code })),
  });
  await loadSales(database.sql, ids, rows);
  await refreshFeatures(database.sql, 365, { profileDays: WINDOW });
}, 60_000);

afterAll(async () => database?.close());

function keyOf(level: string, memberId: number): string {
  if (level === "global") return "global:0";
  const codes = level === "product" ? [...ids.product].map(([code, id]) => [code, id] as const) : [...ids.store].map(([code, s]) => [code, s.id] as const);
  return `${level}:${codes.find(([, id]) => id === memberId)![0]}`;
}

describe("seasonal_profiles", () => {
  it("matches weekday, month and growth indices computed independently, at every level", async () => {
    const got = await database.sql<{ level: string; member_id: number; day_of_week: number[]; month_of_year: number[]; annual_growth: number; history_days: number }[]>`
      select * from seasonal_profiles order by level, member_id`;
    const want = expectedProfiles(rows);
    expect(got.map((r) => keyOf(r.level, r.member_id)).sort()).toEqual([...want.keys()].sort());
    for (const row of got) {
      const w = want.get(keyOf(row.level, row.member_id))!;
      row.day_of_week.forEach((v, i) => expect(v, `${row.level} ${row.member_id} weekday ${i}`).toBeCloseTo(w.dayOfWeek[i], 9));
      row.month_of_year.forEach((v, i) => expect(v, `${row.level} ${row.member_id} month ${i}`).toBeCloseTo(w.monthOfYear[i], 9));
      expect(row.annual_growth).toBeCloseTo(w.growth!, 9);
      expect(row.history_days).toBe(w.historyDays);
    }
  });

  it("recovers each product's weekly shape and keeps indices averaging 1", async () => {
    const profiles = await database.sql<{ member_id: number; day_of_week: number[]; month_of_year: number[] }[]>`
      select member_id, day_of_week, month_of_year from seasonal_profiles where level = 'product'`;
    for (const p of profiles) {
      expect(p.day_of_week.reduce((a, b) => a + b, 0) / 7).toBeCloseTo(1, 12);
      expect(p.month_of_year.reduce((a, b) => a + b, 0) / 12).toBeCloseTo(1, 12);
    }
    const p1 = profiles.find((p) => p.member_id === ids.product.get("p1"))!;
    const shape = WEEK.p1.map((v) => v / (WEEK.p1.reduce((a, b) => a + b, 0) / 7));
    p1.day_of_week.forEach((v, i) => expect(Math.abs(v - shape[i])).toBeLessThan(0.1));
  });

  it("shrinks a product launched 60 days ago to the global months, having no year of its own", async () => {
    const [p3] = await database.sql<{ month_of_year: number[]; annual_growth: number }[]>`
      select month_of_year, annual_growth from seasonal_profiles where level = 'product' and member_id = ${ids.product.get("p3")!}`;
    const [global] = await database.sql<{ month_of_year: number[]; annual_growth: number }[]>`
      select month_of_year, annual_growth from seasonal_profiles where level = 'global'`;
    p3.month_of_year.forEach((v, i) => expect(v).toBeCloseTo(global.month_of_year[i], 9));
    expect(p3.annual_growth).toBeCloseTo(global.annual_growth, 12);
  });

  it("combines product × store ÷ global for a series, rescaled to average 1", async () => {
    const profiles = await loadProfiles(database.sql);
    const all = await database.sql<{ level: string; member_id: number; day_of_week: number[]; annual_growth: number }[]>`
      select level, member_id, day_of_week, annual_growth from seasonal_profiles`;
    const find = (level: string, id: number) => all.find((r) => r.level === level && r.member_id === id)!;
    const store = ids.store.get("s2")!.id;
    const product = ids.product.get("p1")!;
    const combined = profiles.forSeries(store, product)!;
    const product_ = find("product", product);
    const store_ = find("store", store);
    const global = find("global", 0);
    const raw = product_.day_of_week.map((p, i) => (p * store_.day_of_week[i]) / global.day_of_week[i]);
    const mean = raw.reduce((a, b) => a + b, 0) / 7;
    combined.dayOfWeek.forEach((v, i) => expect(v).toBeCloseTo(raw[i] / mean, 12));
    expect(combined.annualGrowth).toBeCloseTo((product_.annual_growth * store_.annual_growth) / global.annual_growth, 12);
    // A product with no row (p4 sold only before the window) contributes nothing: the store's shape is left.
    const fallback = profiles.forSeries(store, ids.product.get("p4")!)!;
    fallback.dayOfWeek.forEach((v, i) => expect(v).toBeCloseTo(store_.day_of_week[i], 12));
  });

  it("as of each fold's cut-off, equals profiles computed independently from the days before it, in one query", async () => {
    const cutoffs = [LAST - 60 * DAY, LAST - 250 * DAY].map(iso);
    const asOf = await loadProfilesAsOf(database.sql, iso(LAST), cutoffs);
    expect(asOf.cutoffs).toEqual([...cutoffs, iso(LAST)].sort());
    const got = await database.sql<{ cutoff: string; level: string; member_id: number; day_of_week: number[]; month_of_year: number[]; annual_growth: number; history_days: number }[]>`
      select cutoff::text as cutoff, level, member_id, day_of_week, month_of_year, annual_growth, history_days
      from seasonal_profiles_as_of(${database.sql.array(cutoffs)}::date[]) p order by p.cutoff, p.level, p.member_id`;
    for (const cutoff of cutoffs) {
      const want = expectedProfiles(rows, Date.parse(`${cutoff}T00:00:00Z`));
      const rowsAt = got.filter((r) => r.cutoff === cutoff);
      expect(rowsAt.map((r) => keyOf(r.level, r.member_id)).sort()).toEqual([...want.keys()].sort());
      for (const row of rowsAt) {
        const w = want.get(keyOf(row.level, row.member_id))!;
        row.day_of_week.forEach((v, i) => expect(v, `${cutoff} ${row.level} ${row.member_id} weekday ${i}`).toBeCloseTo(w.dayOfWeek[i], 9));
        row.month_of_year.forEach((v, i) => expect(v, `${cutoff} ${row.level} ${row.member_id} month ${i}`).toBeCloseTo(w.monthOfYear[i], 9));
        expect(row.annual_growth).toBeCloseTo(w.growth!, 9);
        expect(row.history_days).toBe(w.historyDays);
      }
    }
    // A series gets the origin's profile for its final fit and each cut-off's for its folds.
    const context = asOf.contextFor(ids.store.get("s1")!.id, ids.product.get("p1")!)!;
    expect(Object.keys(context.foldProfiles).sort()).toEqual(cutoffs.sort());
    const latest = (await loadProfiles(database.sql)).forSeries(ids.store.get("s1")!.id, ids.product.get("p1")!)!;
    context.profile.dayOfWeek.forEach((v, i) => expect(v).toBeCloseTo(latest.dayOfWeek[i], 12));
    expect(context.foldProfiles[cutoffs[0]].dayOfWeek).not.toEqual(context.profile.dayOfWeek);
  });

  it("is left as it was when a refresh does not ask for profiles", async () => {
    await database.sql`update profile_settings set history_days = 400`;
    await refreshFeatures(database.sql, 365);
    const [row] = await database.sql`select history_days from seasonal_profiles where level = 'global'`;
    expect(row.history_days).toBe(WINDOW);
    await database.sql`update profile_settings set history_days = ${WINDOW}`;
  });
});
