// The demo's cities, stores and products. Each product carries the shape of
// its demand, so the generated history has the structure real retail data
// has: weekly rhythm, a season, promotion lift, and a few slow movers.

export interface ProductProfile {
  code: string;
  name: string;
  /** Mean units per day in an average store. */
  baseUnits: number;
  /** Multipliers Monday..Sunday. */
  weekly: readonly number[];
  /** Amplitude of the yearly cycle (0.3 = ±30%) and the day of year it peaks. */
  yearlyAmplitude: number;
  yearlyPeakDay: number;
  /** Units multiplier while on promotion, and the share of days on promotion. */
  promoLift: number;
  promoShare: number;
}

export const CITIES = [
  { code: "berlin", name: "Berlin", factor: 1.1 },
  { code: "lisbon", name: "Lisbon", factor: 0.85 },
  { code: "osaka", name: "Osaka", factor: 1.2 },
  { code: "toronto", name: "Toronto", factor: 1.0 },
  { code: "melbourne", name: "Melbourne", factor: 0.95 },
] as const;

export const STORE_SUFFIXES = ["central", "north", "south", "east", "west"] as const;

const WEEKEND_HEAVY = [0.85, 0.85, 0.9, 0.95, 1.15, 1.4, 1.2];
const WEEKDAY_HEAVY = [1.15, 1.1, 1.1, 1.05, 1.0, 0.8, 0.7];
const FLAT = [1, 1, 1, 1, 1.05, 1.1, 0.95];

export const PRODUCTS: readonly ProductProfile[] = [
  { code: "sparkling-water", name: "Sparkling Water 1L", baseUnits: 60, weekly: WEEKEND_HEAVY, yearlyAmplitude: 0.3, yearlyPeakDay: 200, promoLift: 1.5, promoShare: 0.08 },
  { code: "espresso-beans", name: "Espresso Beans 500g", baseUnits: 18, weekly: WEEKDAY_HEAVY, yearlyAmplitude: 0.1, yearlyPeakDay: 20, promoLift: 1.8, promoShare: 0.06 },
  { code: "sunscreen", name: "Sunscreen SPF 50", baseUnits: 9, weekly: WEEKEND_HEAVY, yearlyAmplitude: 0.8, yearlyPeakDay: 190, promoLift: 1.4, promoShare: 0.05 },
  { code: "wool-scarf", name: "Wool Scarf", baseUnits: 4, weekly: FLAT, yearlyAmplitude: 0.9, yearlyPeakDay: 350, promoLift: 1.6, promoShare: 0.05 },
  // Intermittent: most days sell nothing.
  { code: "bike-repair-kit", name: "Bike Repair Kit", baseUnits: 0.35, weekly: WEEKEND_HEAVY, yearlyAmplitude: 0.4, yearlyPeakDay: 150, promoLift: 1.3, promoShare: 0.04 },
];

/** Stores in southern-hemisphere cities see the yearly season shifted half a year. */
export const SOUTHERN_CITIES: ReadonlySet<string> = new Set(["melbourne"]);
