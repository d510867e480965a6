// Hex SHA-256 (Web Crypto, so Node and workerd alike): API key hashes and the
// digests that name grid bodies in caches and in the prefetch hash.

export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  let hex = "";
  for (const byte of digest) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
