// A Secret's `data` is base64 on the wire; plans compare and build it as bytes.

export function encodeData(data: Record<string, Uint8Array>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(data).sort()) out[key] = Buffer.from(data[key]!).toString('base64');
  return out;
}

export function decodeData(data: Record<string, string> | undefined): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(data ?? {})) out[key] = Buffer.from(value, 'base64');
  return out;
}

export function subsetOf(want: Record<string, string>, have: Record<string, string> | undefined): boolean {
  return Object.entries(want).every(([k, v]) => have?.[k] === v);
}
