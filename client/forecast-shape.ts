// Decodes the JSON forecast answers, in either shape (docs/formats.md), into
// the values themselves: shape 2 (the default) counts integers in `step`
// with the bounds as distances from the point and leaves out what the URL
// and headers say; shape 1 (FORECAST_SHAPE=v1) already is this form.
import type { ForecastGrid, SeriesForecast, SeriesKey } from "./types.ts";

interface StepFields {
  origin: string;
  model: string;
  mase?: number | null;
  level: number;
  step: number;
  point: number[];
  below: number[];
  above: number[];
  promoDays?: number[];
}

type Wire = SeriesForecast | StepFields | (StepFields & SeriesKey);

/** n × step as shape 1 prints it: dividing by an integral 1/step (0.2 → 5) avoids 91.80000000000001. */
function scale(n: number, step: number): number {
  const inverse = Math.round(1 / step);
  return step < 1 && Math.abs(inverse * step - 1) < 1e-12 ? n / inverse : n * step;
}

/** One series in shape 1, from either shape; `known` fills in what a shape 2 single series leaves to its URL and headers. */
export function decodeSeriesForecast(body: Wire, known: SeriesKey & { version: string }): SeriesForecast {
  if (!("below" in body)) return body;
  const { point, below, above, step, ...rest } = body;
  const identity = "city" in body ? { city: body.city, store: body.store, product: body.product } : { city: known.city, store: known.store, product: known.product };
  const { promoDays, ...fields } = rest as StepFields;
  return {
    ...identity,
    version: known.version,
    origin: fields.origin,
    h: point.length as SeriesForecast["h"],
    model: fields.model,
    ...(fields.mase !== undefined ? { mase: fields.mase } : {}),
    level: fields.level,
    step,
    point: point.map((p) => scale(p, step)),
    lower: point.map((p, d) => scale(p - below[d]!, step)),
    upper: point.map((p, d) => scale(p + above[d]!, step)),
    ...(promoDays ? { promoDays } : {}),
  };
}

/** A grid in shape 1, from either shape. */
export function decodeForecastGrid(body: Omit<ForecastGrid, "series"> & { series: Wire[] }): ForecastGrid {
  return { ...body, series: body.series.map((entry) => decodeSeriesForecast(entry, { ...(entry as SeriesKey), version: body.version })) };
}
