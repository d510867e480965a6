// The explorer page: pick a series (city, store, product by name) and a
// horizon, see its recent actuals, forecast and interval band, its model and
// backtest accuracy; browse the whole grid; watch the Worker's stage timings.
// State lives in the URL fragment, so a view can be shared or reloaded.
import "uplot/dist/uPlot.min.css";
import "./explorer.css";
import { api, ForecastApiError, onExchange, type ApiExchange } from "./api.ts";
import { SeriesChart } from "./chart.ts";
import { percent, ratio, timeAgo } from "./format.ts";
import { legendText, renderGrid, type ColourBy, type GridData, type Pick } from "./grid-view.ts";
import type { MetaBody, SeriesHistory, SeriesPayload } from "./model.ts";
import { describeStage } from "./server-timing.ts";
import { watchForUpdates } from "./update-watch.ts";

const HORIZONS = [7, 30, 60] as const;
const MAX_TIMINGS = 8;
/** Seconds between checks for a newer version; `?poll=` overrides it, 0 stops checking. */
const DEFAULT_POLL_SECONDS = 60;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  versionLine: $("version-line"),
  notice: $("update-notice"),
  noticeText: $("update-text"),
  noticeLoad: $<HTMLButtonElement>("update-load"),
  error: $("error"),
  city: $<HTMLSelectElement>("city"),
  store: $<HTMLSelectElement>("store"),
  product: $<HTMLSelectElement>("product"),
  picker: $<HTMLFormElement>("picker"),
  facts: $("series-facts"),
  seriesError: $("series-error"),
  chart: $("chart"),
  colourBy: $<HTMLSelectElement>("colour-by"),
  grid: $("grid"),
  gridLegend: $("grid-legend"),
  timings: $("timings").querySelector("tbody")!,
};

interface State extends Pick {
  h: (typeof HORIZONS)[number];
  colourBy: ColourBy;
}

const state: State = { city: "", store: "", product: "", h: 30, colourBy: "demand" };
let meta: MetaBody | null = null;
let grid: GridData | null = null;
let seriesRequest = 0;
const chart = new SeriesChart(ui.chart);

function readFragment(): void {
  const params = new URLSearchParams(location.hash.slice(1));
  state.city = params.get("city") ?? "";
  state.store = params.get("store") ?? "";
  state.product = params.get("product") ?? "";
  const h = Number(params.get("h"));
  state.h = HORIZONS.find((x) => x === h) ?? 30;
  state.colourBy = params.get("colour") === "accuracy" ? "accuracy" : "demand";
}

function writeFragment(): void {
  const params = new URLSearchParams({ city: state.city, store: state.store, product: state.product, h: String(state.h), colour: state.colourBy });
  history.replaceState(null, "", `#${params}`);
}

function showError(box: HTMLElement, error: unknown): void {
  const message = error instanceof ForecastApiError ? `${error.message} (${error.code})` : error instanceof Error ? error.message : String(error);
  box.textContent = message;
  box.hidden = false;
}

function options(select: HTMLSelectElement, entries: { code: string; name: string }[], chosen: string): string {
  select.replaceChildren(...entries.map((e) => new Option(e.name, e.code)));
  const value = entries.some((e) => e.code === chosen) ? chosen : (entries[0]?.code ?? "");
  select.value = value;
  return value;
}

/** Fills the three pickers from the manifest, keeping the current choice where it still exists. */
function fillPickers(): void {
  const dims = meta!.manifest.dimensions;
  state.city = options(ui.city, dims.cities, state.city);
  state.store = options(ui.store, dims.stores.filter((s) => s.city === state.city), state.store);
  state.product = options(ui.product, dims.products, state.product);
  for (const radio of ui.picker.querySelectorAll<HTMLInputElement>("input[name=h]")) radio.checked = Number(radio.value) === state.h;
  ui.colourBy.value = state.colourBy;
}

function describeVersion(): void {
  const m = meta!;
  const pinned = m.pinned ? " · pinned by FORECAST_VERSION" : "";
  ui.versionLine.textContent = `Version ${m.version}, trained ${timeAgo(m.manifest.trainedAt)} · data to ${m.manifest.origin} · ${m.manifest.series} series${pinned}`;
  ui.versionLine.dataset.version = m.version;
}

function fact(term: string, detail: string): HTMLElement[] {
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  dd.textContent = detail;
  return [dt, dd];
}

function describeSeries(forecast: SeriesPayload, history: SeriesHistory | null): void {
  const total = forecast.point.reduce((a, b) => a + b, 0);
  const b = history?.backtest ?? null;
  const accuracy = b
    ? `MASE ${ratio(b.mase)} · WAPE ${percent(b.wape)} · ${percent(b.coverage)} inside the ${Math.round(forecast.level * 100)}% band (${b.holdoutDays}-day holdout)`
    : history ? "not measured (fallback model, or no holdout)" : "not published with this version";
  ui.facts.replaceChildren(
    ...fact("Model", forecast.model),
    ...fact("Backtest", accuracy),
    ...fact(`Next ${forecast.h} days`, `${Math.round(total).toLocaleString("en")} units forecast`),
    ...fact("Version", `${forecast.version}, trained ${timeAgo(meta!.manifest.trainedAt)}`),
  );
}

async function loadSeries(): Promise<void> {
  const request = ++seriesRequest;
  writeFragment();
  ui.seriesError.hidden = true;
  const series = { city: state.city, store: state.store, product: state.product };
  const withHistory = (meta!.manifest.historyDays ?? 0) > 0;
  try {
    const [forecast, history] = await Promise.all([
      api.forecast(series, { h: state.h }),
      withHistory ? api.history(series) : Promise.resolve(null),
    ]);
    if (request !== seriesRequest) return;
    chart.render(forecast, history);
    describeSeries(forecast, history);
  } catch (error) {
    if (request === seriesRequest) showError(ui.seriesError, error);
  }
  drawGrid();
}

function drawGrid(): void {
  if (!grid) return;
  renderGrid(ui.grid, grid, state.colourBy, state, (pick) => {
    Object.assign(state, pick);
    fillPickers();
    void loadSeries();
    ui.chart.scrollIntoView({ behavior: "smooth", block: "center" });
  });
  ui.gridLegend.textContent = legendText(grid, state.colourBy);
  performance.mark("explorer:grid-drawn");
}

async function loadGrid(): Promise<void> {
  const all = { city: "*", store: "*", product: "*" } as const;
  const withHistory = (meta!.manifest.historyDays ?? 0) > 0;
  try {
    const [week, history] = await Promise.all([
      api.grid(all, { h: 7 }),
      withHistory ? api.historyGrid(all) : Promise.resolve(null),
    ]);
    grid = {
      manifest: meta!.manifest,
      week: new Map(week.series.map((s) => [`${s.city}/${s.store}/${s.product}`, s])),
      history: new Map((history?.series ?? []).map((s) => [`${s.city}/${s.store}/${s.product}`, s])),
    };
    drawGrid();
  } catch (error) {
    grid = null;
    showError(ui.grid, error);
  }
}

async function loadVersion(): Promise<void> {
  ui.error.hidden = true;
  ui.notice.hidden = true;
  try {
    meta = await api.meta();
  } catch (error) {
    showError(ui.error, error);
    ui.versionLine.textContent = "No forecast to show.";
    return;
  }
  describeVersion();
  fillPickers();
  await Promise.all([loadSeries(), loadGrid()]);
}

function recordTiming(exchange: ApiExchange): void {
  const row = document.createElement("tr");
  const stages = exchange.stages.map(describeStage).join(" · ") || "none reported";
  for (const text of [`GET ${exchange.path}`, String(exchange.status), stages]) {
    const td = document.createElement("td");
    td.textContent = text;
    row.append(td);
  }
  ui.timings.prepend(row);
  while (ui.timings.rows.length > MAX_TIMINGS) ui.timings.deleteRow(-1);
}

function wire(): void {
  ui.city.addEventListener("change", () => {
    state.city = ui.city.value;
    fillPickers();
    void loadSeries();
  });
  for (const select of [ui.store, ui.product]) {
    select.addEventListener("change", () => {
      state.store = ui.store.value;
      state.product = ui.product.value;
      void loadSeries();
    });
  }
  ui.picker.addEventListener("change", (event) => {
    const target = event.target as HTMLInputElement;
    if (target.name !== "h") return;
    state.h = HORIZONS.find((x) => x === Number(target.value)) ?? 30;
    void loadSeries();
  });
  ui.picker.addEventListener("submit", (event) => event.preventDefault());
  ui.colourBy.addEventListener("change", () => {
    state.colourBy = ui.colourBy.value === "accuracy" ? "accuracy" : "demand";
    writeFragment();
    drawGrid();
  });
  ui.noticeLoad.addEventListener("click", () => void loadVersion());
  // A fragment edited by hand, or a shared link opened in this tab.
  window.addEventListener("hashchange", () => {
    if (!meta) return;
    readFragment();
    fillPickers();
    void loadSeries();
  });
  onExchange(recordTiming);
  const poll = new URLSearchParams(location.search).get("poll");
  const pollSeconds = poll !== null && Number.isFinite(Number(poll)) ? Math.max(0, Number(poll)) : DEFAULT_POLL_SECONDS;
  watchForUpdates(() => meta?.version ?? null, pollSeconds * 1000, (newer) => {
    ui.noticeText.textContent = `Updated forecast available: version ${newer.version}, trained ${timeAgo(newer.manifest.trainedAt)}.`;
    ui.notice.hidden = false;
  });
  // Keep "trained … ago" true while the page stays open.
  setInterval(() => meta && describeVersion(), 30_000);
}

readFragment();
wire();
void loadVersion();
