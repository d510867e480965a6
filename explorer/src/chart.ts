// One series on a time axis: the published actuals, then the forecast line
// and its interval band, with planned promotion days shaded behind them.
// uPlot draws on a canvas and resizes with its box.
import uPlot from "uplot";
import type { SeriesHistory, SeriesPayload } from "./model.ts";
import { daySeconds } from "./format.ts";

export const COLOURS = {
  actual: "#2563eb",
  forecast: "#ea580c",
  band: "rgba(234, 88, 12, 0.18)",
  promo: "rgba(22, 163, 74, 0.16)",
} as const;

const HALF_DAY = 43_200;

const utc = (ts: number) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC");

export class SeriesChart {
  readonly #box: HTMLElement;
  #plot: uPlot | null = null;
  readonly #resize = new ResizeObserver(() => this.#fit());

  constructor(box: HTMLElement) {
    this.#box = box;
    this.#resize.observe(box);
  }

  /** Draws `forecast` after `history` (null when the version published none). */
  render(forecast: SeriesPayload, history: SeriesHistory | null): void {
    const past = history?.units ?? [];
    const start = history?.start ?? forecast.origin;
    const firstFuture = history ? past.length : 1;
    const days = firstFuture + forecast.point.length;
    const x = Array.from({ length: days }, (_, i) => daySeconds(history ? start : forecast.origin, i));
    const gap = (n: number) => Array<number | null>(n).fill(null);
    const actual = [...past, ...gap(forecast.point.length)];
    // The line starts at the last actual so that past and future join up.
    const joint = past.length > 0 ? past[past.length - 1] : null;
    const point = [...gap(firstFuture - 1), joint, ...forecast.point];
    const lower = [...gap(firstFuture), ...forecast.lower];
    const upper = [...gap(firstFuture), ...forecast.upper];
    const promoDays = forecast.promoDays ?? [];
    const promoX = promoDays.map((i) => x[firstFuture + i]);

    this.#plot?.destroy();
    const level = Math.round(forecast.level * 100);
    this.#plot = new uPlot(
      {
        ...this.#size(),
        tzDate: utc,
        scales: { x: { time: true } },
        series: [
          { label: "Day" },
          { label: "Actual", stroke: COLOURS.actual, width: 1.5, points: { show: false } },
          { label: "Forecast", stroke: COLOURS.forecast, width: 2, points: { show: false } },
          { label: `Lower ${level}%`, stroke: COLOURS.band, width: 1, points: { show: false } },
          { label: `Upper ${level}%`, stroke: COLOURS.band, width: 1, points: { show: false } },
          // No values: it gives the shaded days their legend entry.
          ...(promoDays.length ? [{ label: "Planned promotion", stroke: COLOURS.promo, fill: COLOURS.promo, width: 8, points: { show: false } }] : []),
        ],
        bands: [{ series: [4, 3], fill: COLOURS.band }],
        axes: [{}, { label: "units / day", size: 56 }],
        cursor: { drag: { x: false, y: false } },
        hooks: {
          // Under the lines: each planned day as a column a day wide.
          drawClear: [(u) => {
            const { ctx, bbox } = u;
            ctx.save();
            ctx.fillStyle = COLOURS.promo;
            for (const day of promoX) {
              const left = u.valToPos(day - HALF_DAY, "x", true);
              const right = u.valToPos(day + HALF_DAY, "x", true);
              ctx.fillRect(left, bbox.top, Math.max(1, right - left), bbox.height);
            }
            ctx.restore();
          }],
          draw: [() => {
            this.#box.dataset.promoDays = promoDays.join(",");
            this.#box.dataset.actualDays = String(past.length);
            this.#box.dataset.forecastDays = String(forecast.point.length);
            this.#box.dataset.drawn = `${forecast.city}/${forecast.store}/${forecast.product}/h${forecast.h}`;
            // For real-user timing and bench/explorer.ts: when a series became visible.
            performance.mark("explorer:chart-drawn");
          }],
        },
      },
      [x, actual, point, lower, upper, ...(promoDays.length ? [gap(days)] : [])] as uPlot.AlignedData,
      this.#box,
    );
  }

  #size(): { width: number; height: number } {
    const width = Math.max(280, Math.floor(this.#box.clientWidth));
    return { width, height: width < 600 ? 260 : 360 };
  }

  #fit(): void {
    if (!this.#plot) return;
    const size = this.#size();
    if (size.width !== this.#plot.width) this.#plot.setSize(size);
  }
}
