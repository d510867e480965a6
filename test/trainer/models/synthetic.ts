// Generated daily demand with a known shape, so tests can check what the
// model recovers against the truth. Shared with bench/fit-speed.ts.
import type { SeriesInput } from "../../../trainer/models/types.ts";
import { normal, poisson, seededRandom } from "../../../trainer/seed/random.ts";

export interface SyntheticOptions {
  id?: string;
  days: number;
  /** Extra days generated after the series, returned as `future`. */
  horizon?: number;
  seed?: number;
  start?: string;
  level?: number;
  /** Units per day added by the trend. */
  slope?: number;
  /** Units added on Saturdays and Sundays. */
  weekendLift?: number;
  noise?: number;
  /** Share of days with a promotion, each adding `promoLift`. */
  promoShare?: number;
  promoLift?: number;
  /** Poisson draws around the mean instead of Gaussian noise: intermittent when the level is small. */
  counts?: boolean;
}

export interface Synthetic {
  series: SeriesInput;
  future: number[];
  isWeekend: (day: number) => boolean;
}

export function synthetic(options: SyntheticOptions): Synthetic {
  const { days, horizon = 0, seed = 1, start = "2023-01-02", level = 50, slope = 0.02, weekendLift = 20, noise = 2, promoShare = 0.05, promoLift = 15 } = options;
  const random = seededRandom(seed);
  const firstWeekday = new Date(`${start}T00:00:00Z`).getUTCDay();
  const isWeekend = (day: number) => [0, 6].includes((firstWeekday + day) % 7);
  const units: number[] = [];
  const promo: number[] = [];
  for (let day = 0; day < days + horizon; day++) {
    const onPromo = day < days && random() < promoShare ? 1 : 0;
    const mean = level + slope * day + (isWeekend(day) ? weekendLift : 0) + onPromo * promoLift;
    const value = options.counts ? poisson(random, Math.max(0, mean)) : mean + noise * normal(random);
    units.push(Math.max(0, value));
    promo.push(onPromo);
  }
  return {
    series: { id: options.id ?? `synthetic-${seed}`, start, units: units.slice(0, days), promo: promo.slice(0, days) },
    future: units.slice(days),
    isWeekend,
  };
}
