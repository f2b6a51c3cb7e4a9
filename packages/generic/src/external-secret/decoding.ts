import { type DecodingStrategy, SpecProblem } from '@lockstep/core';

/** Thrown when a value cannot be decoded as asked; the message names the key, never the value. */
export class DecodingError extends SpecProblem {
  constructor(message: string) {
    super('InvalidSpec', message);
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** ESO `decodingStrategy`: `Auto` tries Base64, then Base64URL, and keeps the raw bytes otherwise. */
export function decodeValue(value: Uint8Array, strategy: DecodingStrategy | undefined, key: string): Uint8Array {
  if (!strategy || strategy === 'None') return value;
  const text = Buffer.from(value).toString('utf8').trim();
  const tryDecode = (pattern: RegExp, encoding: 'base64' | 'base64url') =>
    text.length % 4 !== 1 && pattern.test(text) ? Buffer.from(text, encoding) : undefined;
  if (strategy === 'Base64') {
    const out = tryDecode(BASE64, 'base64');
    if (!out) throw new DecodingError(`value of "${key}" is not valid Base64 (decodingStrategy: Base64)`);
    return out;
  }
  if (strategy === 'Base64URL') {
    const out = tryDecode(BASE64URL, 'base64url');
    if (!out) throw new DecodingError(`value of "${key}" is not valid Base64URL (decodingStrategy: Base64URL)`);
    return out;
  }
  return tryDecode(BASE64, 'base64') ?? tryDecode(BASE64URL, 'base64url') ?? value;
}
