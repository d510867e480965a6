// Syntetos–Boylan demand classes: how often a series sells (average
// inter-demand interval, ADI) and how much the non-zero sales vary (squared
// coefficient of variation, CV²). The class decides which candidates are
// worth a backtest: Croston's family only makes sense when demand is sparse.

export const DEMAND_CLASSES = ["smooth", "erratic", "intermittent", "lumpy", "none"] as const;
export type DemandClass = (typeof DEMAND_CLASSES)[number];

export interface ClassThresholds {
  /** ADI at or above which demand is sparse (Syntetos & Boylan 2005: 1.32, i.e. ~24% zero days). */
  adi: number;
  /** CV² of non-zero demand at or above which sizes are erratic (Syntetos & Boylan 2005: 0.49). */
  cv2: number;
}

export const SYNTETOS_BOYLAN: ClassThresholds = Object.freeze({ adi: 1.32, cv2: 0.49 });

export interface Intermittency {
  demandClass: DemandClass;
  /** Share of days with no demand. */
  zeroShare: number;
  /** Days per non-zero day: 1 / (1 − zeroShare); Infinity when nothing sold. */
  adi: number;
  /** Squared coefficient of variation of the non-zero days; 0 with fewer than two. */
  cv2: number;
}

export function classify(units: ArrayLike<number>, thresholds: ClassThresholds = SYNTETOS_BOYLAN): Intermittency {
  let count = 0;
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < units.length; i++) {
    const y = units[i];
    if (y > 0) {
      count++;
      sum += y;
      squares += y * y;
    }
  }
  const zeroShare = units.length ? 1 - count / units.length : 1;
  if (count === 0) return { demandClass: "none", zeroShare, adi: Number.POSITIVE_INFINITY, cv2: 0 };
  const mean = sum / count;
  const variance = count > 1 ? (squares - count * mean * mean) / (count - 1) : 0;
  const cv2 = Math.max(0, variance) / (mean * mean);
  const adi = units.length / count;
  const sparse = adi >= thresholds.adi;
  const erratic = cv2 >= thresholds.cv2;
  const demandClass: DemandClass = sparse ? (erratic ? "lumpy" : "intermittent") : erratic ? "erratic" : "smooth";
  return { demandClass, zeroShare, adi, cv2 };
}
