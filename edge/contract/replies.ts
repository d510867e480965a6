// Readers of raw replies: both programs' clients run with automaticDeserialization
// off, so they get Redis' own reply shapes back.

/** HGETALL's reply as entries: Redis' flat [field, value, …] array (or an object from a deserialising client). */
export function hashEntries(reply: unknown): [string, string][] {
  if (Array.isArray(reply)) {
    const entries: [string, string][] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) entries.push([String(reply[i]), String(reply[i + 1])]);
    return entries;
  }
  return reply && typeof reply === "object" ? Object.entries(reply as Record<string, unknown>).map(([k, v]) => [k, String(v)]) : [];
}
