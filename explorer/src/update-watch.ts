// Notices a newer published version while the page is open: /v1/meta is read
// again every `intervalMs` (by a client without an answer cache) and compared with the version
// on screen. A pinned Worker (FORECAST_VERSION) keeps answering the same one.
import { quietApi } from "./api.ts";
import type { MetaBody } from "./model.ts";

export function watchForUpdates(shownVersion: () => string | null, intervalMs: number, onNewer: (meta: MetaBody) => void): () => void {
  if (intervalMs <= 0) return () => {};
  let stopped = false;
  let timer: ReturnType<typeof setTimeout>;
  const check = async () => {
    try {
      const meta = await quietApi.meta();
      const shown = shownVersion();
      if (!stopped && shown !== null && meta.version !== shown) onNewer(meta);
    } catch {
      // A failed check is retried at the next interval; the page keeps what it shows.
    }
    if (!stopped) timer = setTimeout(check, intervalMs);
  };
  timer = setTimeout(check, intervalMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
