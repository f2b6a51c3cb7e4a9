// Sprig integer math on int64 (wrapping like Go) with spf13/cast's lenient conversions:
// "12" is 12, "abc" is 0, 1.9 is 1. Division by zero fails as Go's runtime does.
// The float functions (addf, floor, round...) are in float-math.ts.

import { FuncError } from '../errors.ts';
import { parseGoNumber } from '../parser.ts';
import { defineFunction as fn, type TemplateFunction } from './types.ts';

const wrap = (n: bigint): bigint => BigInt.asIntN(64, n);

/** cast.ToInt64, errors answered as 0 as Sprig does. */
export function toInt64(v: unknown): bigint {
  switch (typeof v) {
    case 'bigint':
      return v;
    case 'number':
      return Number.isFinite(v) ? wrap(BigInt(Math.trunc(v))) : 0n;
    case 'boolean':
      return v ? 1n : 0n;
    case 'string': {
      // cast trims a zero decimal part ("12.0") and parses with base prefixes (0x1f, 0o17, 017).
      const text = /^[+-]?\d+\.0*$/.test(v) ? v.slice(0, v.indexOf('.')) : v;
      if (!/^[+-]?(0[xXoObB][0-9a-fA-F_]+|[0-9_]+)$/.test(text)) return 0n;
      return parseGoNumber(text)?.int ?? 0n;
    }
  }
  return 0n;
}

/** cast.ToFloat64, errors answered as 0. */
export function toFloat64(v: unknown): number {
  switch (typeof v) {
    case 'number':
      return v;
    case 'bigint':
      return Number(v);
    case 'boolean':
      return v ? 1 : 0;
    case 'string': {
      const t = v.trim();
      if (t !== v || t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity|nan)$/i.test(t))
        return 0;
      if (/inf/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
      if (/nan/i.test(t)) return Number.NaN;
      return Number(t);
    }
  }
  return 0;
}

function atoi(s: string): bigint {
  if (!/^[+-]?\d+$/.test(s)) return 0n;
  const n = BigInt(s);
  return n === wrap(n) ? n : 0n;
}

function divide(a: bigint, b: bigint, mod: boolean): bigint {
  if (b === 0n) throw new FuncError('runtime error: integer divide by zero');
  return wrap(mod ? a % b : a / b);
}

const i64 = (v: unknown): bigint => toInt64(v);

/** The largest (sign 1) or smallest (sign -1) argument as int64. */
function extreme(args: unknown[], sign: 1 | -1): bigint {
  const values = args.map(i64).sort((a, b) => (a < b ? sign : a > b ? -sign : 0));
  return values[0]!;
}

export const mathFunctions: ReadonlyMap<string, TemplateFunction> = new Map([
  ['add', fn([], (args) => wrap(args.reduce<bigint>((s, a) => s + i64(a), 0n)), 'any')],
  ['add1', fn(['any'], ([a]) => wrap(i64(a) + 1n))],
  ['sub', fn(['any', 'any'], ([a, b]) => wrap(i64(a) - i64(b)))],
  ['mul', fn(['any'], ([a, ...rest]) => wrap(rest.reduce<bigint>((p, x) => wrap(p * i64(x)), i64(a))), 'any')],
  ['div', fn(['any', 'any'], ([a, b]) => divide(i64(a), i64(b), false))],
  ['mod', fn(['any', 'any'], ([a, b]) => divide(i64(a), i64(b), true))],
  ['max', fn(['any'], (args) => extreme(args, 1), 'any')],
  ['min', fn(['any'], (args) => extreme(args, -1), 'any')],
  ['atoi', fn(['string'], ([s]) => atoi(s as string))],
  ['int', fn(['any'], ([a]) => i64(a))],
  ['int64', fn(['any'], ([a]) => i64(a))],
  ['float64', fn(['any'], ([a]) => toFloat64(a))],
]);
