// The whole grid at a glance: one row per store (grouped by city), one column
// per product, each cell coloured by next-7-day demand or backtest accuracy.
import type { Manifest, SeriesHistory, SeriesPayload } from "./model.ts";
import { ratio, units } from "./format.ts";

export type ColourBy = "demand" | "accuracy";

export interface GridData {
  manifest: Manifest;
  /** series field → the 7-day forecast. */
  week: Map<string, SeriesPayload>;
  /** series field → history with backtest accuracy (empty when none is published). */
  history: Map<string, SeriesHistory>;
}

export interface Pick {
  city: string;
  store: string;
  product: string;
}

const field = (p: Pick) => `${p.city}/${p.store}/${p.product}`;

/** Light to dark blue: more demand, darker. */
const DEMAND_STOPS = [[239, 246, 255], [96, 165, 250], [30, 58, 138]];
/** MASE 0.5 and below green, 1 (as good as last week's copy) amber, 1.5 and above red. */
const ACCURACY_STOPS = [[22, 163, 74], [234, 179, 8], [220, 38, 38]];

function blend(stops: number[][], t: number): string {
  const clamped = Math.min(1, Math.max(0, t));
  const scaled = clamped * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(scaled));
  const f = scaled - i;
  const [r, g, b] = stops[i].map((c, k) => Math.round(c + (stops[i + 1][k] - c) * f));
  return `rgb(${r}, ${g}, ${b})`;
}

export interface CellValue {
  value: number | null;
  colour: string;
  label: string;
}

export function cellValue(data: GridData, pick: Pick, colourBy: ColourBy, maxDemand: number): CellValue {
  if (colourBy === "demand") {
    const week = data.week.get(field(pick));
    if (!week) return { value: null, colour: "", label: "no forecast" };
    const total = week.point.reduce((a, b) => a + b, 0);
    // A square-root scale: one fast seller must not wash every other cell out.
    return { value: total, colour: blend(DEMAND_STOPS, maxDemand > 0 ? Math.sqrt(total / maxDemand) : 0), label: `${units(total)} units in the next 7 days` };
  }
  const mase = data.history.get(field(pick))?.backtest?.mase ?? null;
  if (mase === null) return { value: null, colour: "", label: "no backtest accuracy" };
  return { value: mase, colour: blend(ACCURACY_STOPS, (mase - 0.5) / 1), label: `MASE ${ratio(mase)} on the backtest` };
}

export function maxWeekDemand(data: GridData): number {
  let max = 0;
  for (const s of data.week.values()) max = Math.max(max, s.point.reduce((a, b) => a + b, 0));
  return max;
}

export function renderGrid(box: HTMLElement, data: GridData, colourBy: ColourBy, selected: Pick | null, onPick: (pick: Pick) => void): void {
  const { cities, stores, products } = data.manifest.dimensions;
  const maxDemand = maxWeekDemand(data);
  const table = document.createElement("table");
  table.className = "grid";
  table.dataset.colourBy = colourBy;
  const head = table.createTHead().insertRow();
  head.append(cell("th", "Store"));
  for (const product of products) {
    const th = cell("th", product.name);
    th.scope = "col";
    th.title = product.name;
    head.append(th);
  }
  const body = table.createTBody();
  for (const city of cities) {
    const cityRow = body.insertRow();
    const cityCell = cell("th", city.name);
    cityCell.colSpan = products.length + 1;
    cityCell.className = "grid-city";
    cityRow.append(cityCell);
    for (const store of stores.filter((s) => s.city === city.code)) {
      const row = body.insertRow();
      const th = cell("th", store.name);
      th.scope = "row";
      row.append(th);
      for (const product of products) {
        const pick = { city: city.code, store: store.code, product: product.code };
        const value = cellValue(data, pick, colourBy, maxDemand);
        const td = row.insertCell();
        const button = document.createElement("button");
        button.type = "button";
        button.className = value.value === null ? "cell cell-empty" : "cell";
        if (value.colour) button.style.background = value.colour;
        button.dataset.series = field(pick);
        const name = `${city.name} · ${store.name} · ${product.name}: ${value.label}`;
        button.title = name;
        button.setAttribute("aria-label", name);
        button.setAttribute("aria-pressed", String(selected !== null && field(selected) === field(pick)));
        button.addEventListener("click", () => onPick(pick));
        td.append(button);
      }
    }
  }
  box.replaceChildren(table);
}

export function legendText(data: GridData, colourBy: ColourBy): string {
  if (colourBy === "demand") return `Light to dark: 0 to ${units(maxWeekDemand(data))} units forecast for the next 7 days (square-root scale).`;
  return data.history.size === 0
    ? "No backtest accuracy published with this version."
    : "Green: MASE ≤ 0.5 (far better than repeating last week); amber: 1; red: ≥ 1.5. Grey: not measurable.";
}

function cell(tag: "th" | "td", text: string): HTMLTableCellElement {
  const element = document.createElement(tag);
  element.textContent = text;
  return element;
}
