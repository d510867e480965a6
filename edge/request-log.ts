// The one JSON line logged per request (REQUEST_LOG), written as one string:
// no object per request for JSON.stringify to walk. The fields are the
// Worker's own words (route patterns, validated version and key ids, levels)
// except those a caller controls, which are escaped by JSON.stringify.
export interface RequestLogEntry {
  requestId: string;
  method: string;
  path: string;
  route: string;
  status: number;
  ms: number;
  version?: string;
  stale?: string;
  apiKey?: string;
  colo?: string;
}

export function requestLogLine(entry: RequestLogEntry): string {
  const { status } = entry;
  const level = status >= 500 ? "error" : status >= 400 ? "warn" : "info";
  let line = `{"level":"${level}","msg":"request","requestId":${JSON.stringify(entry.requestId)},"method":${JSON.stringify(entry.method)},"path":${JSON.stringify(entry.path)},"route":${JSON.stringify(entry.route)},"status":${status},"ms":${Math.round(entry.ms * 10) / 10}`;
  if (entry.version !== undefined) line += `,"version":"${entry.version}"`;
  if (entry.stale !== undefined) line += `,"stale":"${entry.stale}"`;
  if (entry.apiKey !== undefined) line += `,"apiKey":"${entry.apiKey}"`;
  if (entry.colo !== undefined) line += `,"colo":${JSON.stringify(entry.colo)}`;
  return `${line}}`;
}
