import { createHmac, timingSafeEqual } from 'node:crypto';

// A keyed HMAC, not a plain hash: secret data is often low-entropy (short passwords), and a
// plain digest in an annotation would let anyone with read access to metadata guess it.
// The key lives in a Secret of the controller's namespace (see hmac-key.ts).

/** HMAC-SHA256 over the keys and values in key order, length-prefixed so no two maps collide. */
export function dataMac(key: Uint8Array, data: Record<string, Uint8Array>): string {
  const mac = createHmac('sha256', key);
  for (const name of Object.keys(data).sort()) {
    const value = data[name]!;
    mac.update(`${Buffer.byteLength(name)}:${name}:${value.byteLength}:`);
    mac.update(value);
  }
  return mac.digest('base64');
}

export function macEquals(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
