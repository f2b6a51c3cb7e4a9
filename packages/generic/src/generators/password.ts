// ESO's Password generator: `length` characters with `digits` digits and `symbols` symbols
// (each 25% of the length by default), from node:crypto's CSPRNG.

import { randomInt } from 'node:crypto';
import type { Generator, SecretMap } from '@lockstep/core';
import type { Password } from '../api/password-generator.ts';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const SYMBOLS = '~!@#$%^&*()_+`-={}|[]\\:"<>?,./';

type Spec = Password['spec'];

export function validatePasswordSpec(spec: Spec): string[] {
  const length = spec.length ?? 24;
  const digits = spec.digits ?? Math.floor(length * 0.25);
  const symbols = spec.symbols ?? Math.floor(length * 0.25);
  const problems: string[] = [];
  if (digits + symbols > length) problems.push(`digits (${digits}) + symbols (${symbols}) exceed length (${length})`);
  const alphabet = (spec.noUpper ? LOWER.length : LOWER.length + UPPER.length) + DIGITS.length;
  if (
    !spec.allowRepeat &&
    (digits > DIGITS.length ||
      symbols > (spec.symbolCharacters ?? SYMBOLS).length ||
      length > alphabet + (spec.symbolCharacters ?? SYMBOLS).length)
  ) {
    problems.push('the password cannot be that long without repeating characters: set allowRepeat: true');
  }
  return problems;
}

export function generatePassword(spec: Spec): string {
  const length = spec.length ?? 24;
  const digits = spec.digits ?? Math.floor(length * 0.25);
  const symbols = spec.symbols ?? Math.floor(length * 0.25);
  const letters = spec.noUpper ? LOWER : LOWER + UPPER;
  const used = new Set<string>();
  const pick = (from: string) => {
    for (;;) {
      const ch = from[randomInt(from.length)]!;
      if (spec.allowRepeat || !used.has(ch)) {
        used.add(ch);
        return ch;
      }
    }
  };
  const chars = [
    ...Array.from({ length: digits }, () => pick(DIGITS)),
    ...Array.from({ length: symbols }, () => pick(spec.symbolCharacters ?? SYMBOLS)),
    ...Array.from({ length: length - digits - symbols }, () => pick(letters)),
  ];
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

function encode(text: string, encoding: Spec['encoding']): Uint8Array {
  const raw = Buffer.from(text);
  if (encoding === 'base64') return Buffer.from(raw.toString('base64'));
  if (encoding === 'base64url') return Buffer.from(raw.toString('base64url'));
  if (encoding === 'hex') return Buffer.from(raw.toString('hex'));
  if (encoding === 'base32') return Buffer.from(base32(raw));
  return raw;
}

function base32(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out.padEnd(Math.ceil(out.length / 8) * 8, '=');
}

export const passwordGenerator: Generator<Spec> = {
  kind: 'Password',
  validateSpec: validatePasswordSpec,
  async generate(spec) {
    const data: SecretMap = {};
    for (const key of spec.secretKeys?.length ? spec.secretKeys : ['password']) {
      data[key] = encode(generatePassword(spec), spec.encoding ?? 'raw');
    }
    return { data };
  },
};
