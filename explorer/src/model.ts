// The API's answers as the page reads them: the client's types, which come
// from the Worker's route schemas.
export type {
  Manifest,
  Meta as MetaBody,
  SeriesForecast as SeriesPayload,
  SeriesHistory,
} from "../../client/index.ts";
