// Sprig's float math. addf, subf, mulf and divf convert each operand to float64 (spf13/cast's
// lenient rules), then to an exact decimal (shopspring/decimal's NewFromFloat: the shortest
// decimal that reads back as the same float), compute in decimal and return the nearest
// float64: so `addf 0.1 0.2` is 0.3, not 0.30000000000000004. divf keeps 16 decimal places,
// rounding half away from zero. floor, ceil, round, maxf and minf use float64 math as Go does.

import { FuncError } from '../errors.ts';
import { toFloat64 } from './math.ts';
import { defineFunction as fn, type TemplateFunction } from './types.ts';

/** value = digits × 10^exp */
interface Decimal {
  digits: bigint;
  exp: number;
}

/** decimal.Div's precision: digits kept after the decimal point. */
const divisionPrecision = 16;

function fromFloat(x: number): Decimal {
  // Go panics here and text/template reports the panic as the call's error.
  if (!Number.isFinite(x))
    throw new FuncError(`Cannot create a Decimal from ${x > 0 ? '+Inf' : x < 0 ? '-Inf' : 'NaN'}`);
  if (x === 0) return { digits: 0n, exp: 0 };
  // JavaScript's String(x) is the shortest round-tripping decimal, as strconv's 'g' with -1.
  const [mantissa, e = '0'] = String(x).split('e');
  const [whole, fraction = ''] = mantissa!.split('.');
  return { digits: BigInt(whole! + fraction), exp: Number(e) - fraction.length };
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** Both operands at the smaller exponent. */
function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const exp = Math.min(a.exp, b.exp);
  return [a.digits * pow10(a.exp - exp), b.digits * pow10(b.exp - exp), exp];
}

function add(a: Decimal, b: Decimal): Decimal {
  const [x, y, exp] = align(a, b);
  return { digits: x + y, exp };
}

function sub(a: Decimal, b: Decimal): Decimal {
  const [x, y, exp] = align(a, b);
  return { digits: x - y, exp };
}

function mul(a: Decimal, b: Decimal): Decimal {
  return { digits: a.digits * b.digits, exp: a.exp + b.exp };
}

function div(a: Decimal, b: Decimal): Decimal {
  if (b.digits === 0n) throw new FuncError('decimal division by 0');
  // Scale so the integer quotient has divisionPrecision decimal places, truncated toward zero.
  const shift = a.exp - b.exp + divisionPrecision;
  const num = shift >= 0 ? a.digits * pow10(shift) : a.digits;
  const den = shift >= 0 ? b.digits : b.digits * pow10(-shift);
  let q = num / den;
  const r = num % den;
  const abs = (n: bigint): bigint => (n < 0n ? -n : n);
  if (2n * abs(r) >= abs(den)) q += num < 0n === den < 0n ? 1n : -1n; // half away from zero
  return { digits: q, exp: -divisionPrecision };
}

/** The nearest float64 (decimal.Float64 is exact-then-rounded; so is Number parsing). */
const toFloat = (d: Decimal): number => Number(`${d.digits}e${d.exp}`);

function decimalOp(first: unknown, rest: unknown[], op: (a: Decimal, b: Decimal) => Decimal): number {
  let acc = fromFloat(toFloat64(first));
  for (const x of rest) acc = op(acc, fromFloat(toFloat64(x)));
  return toFloat(acc);
}

/** Go's math.Pow(10, p) for integral p: exact powers, and 1/10^|p| for negative ones. */
const goPow10 = (p: number): number => (p >= 0 ? 10 ** p : 1 / 10 ** -p);

/** Sprig's round: the fractional part of x·10^places decides ceil or floor (default at .5). */
function round(v: unknown, places: bigint, roundOn: number | undefined): number {
  const pow = goPow10(Number(places));
  const digit = pow * toFloat64(v);
  const fraction = digit % 1; // math.Modf's fractional part keeps the sign
  return (fraction >= (roundOn ?? 0.5) ? Math.ceil(digit) : Math.floor(digit)) / pow;
}

export const floatMathFunctions: ReadonlyMap<string, TemplateFunction> = new Map([
  ['addf', fn([], (args) => decimalOp(0, args, add), 'any')],
  ['add1f', fn(['any'], ([a]) => decimalOp(a, [1], add))],
  ['subf', fn(['any'], ([a, ...rest]) => decimalOp(a, rest, sub), 'any')],
  ['mulf', fn(['any'], ([a, ...rest]) => decimalOp(a, rest, mul), 'any')],
  ['divf', fn(['any'], ([a, ...rest]) => decimalOp(a, rest, div), 'any')],
  [
    'maxf',
    fn(['any'], ([a, ...rest]) => rest.reduce<number>((m, x) => Math.max(m, toFloat64(x)), toFloat64(a)), 'any'),
  ],
  [
    'minf',
    fn(['any'], ([a, ...rest]) => rest.reduce<number>((m, x) => Math.min(m, toFloat64(x)), toFloat64(a)), 'any'),
  ],
  ['floor', fn(['any'], ([a]) => Math.floor(toFloat64(a)))],
  ['ceil', fn(['any'], ([a]) => Math.ceil(toFloat64(a)))],
  ['round', fn(['any', 'int'], ([a, p, on]) => round(a, p as bigint, on as number | undefined), 'float')],
]);
