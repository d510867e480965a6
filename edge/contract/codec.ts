// Compression and transport encoding for stored payloads. Uses only Web APIs
// (CompressionStream, atob/btoa) so the same code runs in Node and in workerd.
// Redis values travel through Upstash's JSON REST API, which carries strings,
// so gzip bytes are stored as base64 text.

async function pipeThrough(bytes: Uint8Array, transform: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(transform);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  return pipeThrough(bytes, new CompressionStream("gzip"));
}

export function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  return pipeThrough(bytes, new DecompressionStream("gzip"));
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

// Native base64 decoding (workerd, current browsers; not Node 24) is several
// times faster than atob plus a loop, which matters for a grid of 1,000 series.
const nativeBase64 = Uint8Array as unknown as { fromBase64?: (text: string) => Uint8Array };

export function fromBase64(text: string): Uint8Array {
  if (nativeBase64.fromBase64) return nativeBase64.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** JSON → gzip → base64: the stored form of a SeriesPayload. */
export async function encodeStored(value: unknown): Promise<string> {
  return toBase64(await gzip(new TextEncoder().encode(JSON.stringify(value))));
}

/** The inverse of encodeStored, for readers that need the object. */
export async function decodeStored<T>(stored: string): Promise<T> {
  return JSON.parse(new TextDecoder().decode(await gunzip(fromBase64(stored)))) as T;
}
