// The API's answers as the page reads them (the shapes the Worker serves).
import type { Manifest, SeriesHistory, SeriesPayload } from "../../edge/contract/payload.ts";

export interface MetaBody {
  version: string;
  pinned: boolean;
  manifest: Manifest;
}

export interface ForecastGridBody {
  version: string;
  series: SeriesPayload[];
  missing: string[];
}

export interface HistoryGridBody {
  version: string;
  days: number;
  series: SeriesHistory[];
  missing: string[];
}

export type { Manifest, SeriesHistory, SeriesPayload };
