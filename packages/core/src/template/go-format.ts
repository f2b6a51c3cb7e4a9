// Go's fmt printing rules for the value model: %v of maps is `map[a:1]`, floats use the
// shortest %g form (1e+06), Sprint adds spaces between non-string operands, and a verb that
// does not fit its argument prints `%!d(string=x)` instead of failing.

import { LimitError } from './errors.ts';
import { maxValueDepth } from './limits.ts';
import { bytesToString, GoObject, isBytes, isList, isMap, sortedKeys, typeName } from './values.ts';

interface Spec {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number; // -1 when absent
  prec: number; // -1 when absent
}

const plainSpec: Spec = { plus: false, minus: false, sharp: false, space: false, zero: false, width: -1, prec: -1 };

/** fmt.Sprint of one value (%v). `undefined` prints as <nil>, as Go passes a missing value as nil. */
export function formatValue(v: unknown): string {
  return formatArg(v, 'v', plainSpec, 0);
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  let prevString = false;
  args.forEach((arg, i) => {
    const isString = typeof arg === 'string';
    if (i > 0 && !isString && !prevString) out += ' ';
    out += formatValue(arg);
    prevString = isString;
  });
  return out;
}

/** fmt.Sprintln: always spaces between operands, and a final newline. */
export function sprintln(args: readonly unknown[]): string {
  return `${args.map(formatValue).join(' ')}\n`;
}

/** fmt.Sprintf. `maxWidth` caps widths and precisions so a format cannot allocate without bound. */
export function sprintf(format: string, args: readonly unknown[], maxWidth: number): string {
  let out = '';
  let argNum = 0;
  let i = 0;
  const n = format.length;
  while (i < n) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec: Spec = { ...plainSpec };
    for (; i < n; i++) {
      const c = format[i];
      if (c === '+') spec.plus = true;
      else if (c === '-') spec.minus = true;
      else if (c === '#') spec.sharp = true;
      else if (c === ' ') spec.space = true;
      else if (c === '0') spec.zero = true;
      else break;
    }
    const readNumber = (): number => {
      if (format[i] === '*') {
        i++;
        const a = args[argNum++];
        return typeof a === 'bigint' ? Number(a) : -2;
      }
      const start = i;
      while (i < n && format[i]! >= '0' && format[i]! <= '9') i++;
      return i > start ? Number(format.slice(start, i)) : -1;
    };
    spec.width = readNumber();
    if (spec.width === -2) {
      out += '%!(BADWIDTH)';
      spec.width = -1;
    } else if (spec.width < -2 || spec.width > maxWidth) {
      throw new LimitError(`printf width exceeds the output limit`);
    }
    if (format[i] === '.') {
      i++;
      spec.prec = readNumber();
      if (spec.prec === -1) spec.prec = 0;
      if (spec.prec === -2) {
        out += '%!(BADPREC)';
        spec.prec = -1;
      } else if (spec.prec > maxWidth) {
        throw new LimitError(`printf precision exceeds the output limit`);
      }
    }
    if (spec.minus) spec.zero = false;
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatArg(args[argNum++], verb, spec, 0);
  }
  if (argNum < args.length) {
    const extra = args
      .slice(argNum)
      .map((a) => (a === null || a === undefined ? '<nil>' : `${typeName(a)}=${formatValue(a)}`));
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}

function pad(s: string, spec: Spec): string {
  const len = [...s].length;
  if (spec.width <= len) return s;
  const fill = ' '.repeat(spec.width - len);
  return spec.minus ? s + fill : fill + s;
}

/** Pads a number: zero padding goes between the sign and the digits. */
function padNumber(sign: string, digits: string, spec: Spec, allowZero: boolean): string {
  if (allowZero && spec.zero && spec.width > 0 && !spec.minus) {
    const need = spec.width - sign.length - digits.length;
    if (need > 0) return sign + '0'.repeat(need) + digits;
  }
  return pad(sign + digits, spec);
}

function badVerb(v: unknown, verb: string): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(v)}=${formatValue(v)})`;
}

function formatArg(v: unknown, verb: string, spec: Spec, depth: number): string {
  if (depth > maxValueDepth) throw new LimitError(`value is nested more than ${maxValueDepth} levels deep`);
  if (verb === 'T') return pad(typeName(v), spec);
  if (v === null || v === undefined) return verb === 'v' ? pad('<nil>', spec) : badVerb(v, verb);
  switch (typeof v) {
    case 'boolean':
      return verb === 'v' || verb === 't' ? pad(String(v), spec) : badVerb(v, verb);
    case 'bigint':
      return formatInteger(v, verb, spec) ?? badVerb(v, verb);
    case 'number':
      return formatFloatVerb(v, verb, spec) ?? badVerb(v, verb);
    case 'string':
      return formatString(v, verb, spec) ?? badVerb(v, verb);
  }
  if (isBytes(v)) {
    if (verb === 's' || verb === 'q' || verb === 'x' || verb === 'X') {
      return formatString(bytesToString(v), verb, spec) ?? badVerb(v, verb);
    }
    return `[${Array.from(v, (b) => formatArg(BigInt(b), verb, spec, depth + 1)).join(' ')}]`;
  }
  if (isList(v)) return `[${v.map((x) => formatArg(x, verb, spec, depth + 1)).join(' ')}]`;
  // A Stringer: fmt prints what String() returns.
  if (v instanceof GoObject) return formatString(v.toString(), verb, spec) ?? badVerb(v.toString(), verb);
  if (isMap(v)) {
    const parts = sortedKeys(v).map(
      (k) => `${formatArg(k, verb, spec, depth + 1)}:${formatArg(v[k], verb, spec, depth + 1)}`,
    );
    return `map[${parts.join(' ')}]`;
  }
  return `%!${verb}(unsupported)`;
}

function formatInteger(n: bigint, verb: string, spec: Spec): string | undefined {
  const neg = n < 0n;
  const abs = neg ? -n : n;
  let digits: string;
  let prefix = '';
  switch (verb) {
    case 'v':
    case 'd':
      digits = abs.toString(10);
      break;
    case 'b':
      digits = abs.toString(2);
      if (spec.sharp) prefix = '0b';
      break;
    case 'o':
      digits = abs.toString(8);
      if (spec.sharp) prefix = '0';
      break;
    case 'O':
      digits = abs.toString(8);
      prefix = '0o';
      break;
    case 'x':
      digits = abs.toString(16);
      if (spec.sharp) prefix = '0x';
      break;
    case 'X':
      digits = abs.toString(16).toUpperCase();
      if (spec.sharp) prefix = '0X';
      break;
    case 'c':
      return pad(codePointString(n), spec);
    case 'q':
      return pad(quoteRune(n), spec);
    case 'U': {
      const hex = abs.toString(16).toUpperCase().padStart(4, '0');
      return pad(`U+${hex}`, spec);
    }
    default:
      return undefined;
  }
  if (spec.prec >= 0) {
    if (spec.prec === 0 && n === 0n) digits = '';
    else digits = digits.padStart(spec.prec, '0');
  }
  const sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  return padNumber(sign + prefix, digits, spec, spec.prec < 0);
}

function codePointString(n: bigint): string {
  if (n < 0n || n > 0x10ffffn || (n >= 0xd800n && n <= 0xdfffn)) return '\ufffd';
  return String.fromCodePoint(Number(n));
}

function quoteRune(n: bigint): string {
  const ch = codePointString(n);
  if (ch === "'") return "'\\''";
  if (ch === '"') return `'"'`;
  return `'${quoteBody(ch, false)}'`;
}

function formatFloatVerb(x: number, verb: string, spec: Spec): string | undefined {
  let body: string;
  switch (verb) {
    case 'v':
    case 'g':
      body = formatFloat(Math.abs(x), 'g', spec.prec);
      break;
    case 'G':
      body = formatFloat(Math.abs(x), 'g', spec.prec).toUpperCase();
      break;
    case 'e':
      body = formatFloat(Math.abs(x), 'e', spec.prec < 0 ? 6 : spec.prec);
      break;
    case 'E':
      body = formatFloat(Math.abs(x), 'e', spec.prec < 0 ? 6 : spec.prec).toUpperCase();
      break;
    case 'f':
    case 'F':
      body = formatFloat(Math.abs(x), 'f', spec.prec < 0 ? 6 : spec.prec);
      break;
    default:
      return undefined;
  }
  if (Number.isNaN(x)) return pad(spec.plus ? '+NaN' : spec.space ? ' NaN' : 'NaN', spec);
  const neg = x < 0 || Object.is(x, -0);
  const sign = neg ? '-' : spec.plus || !Number.isFinite(x) ? '+' : spec.space ? ' ' : '';
  return padNumber(sign, body, spec, Number.isFinite(x));
}

/**
 * strconv.FormatFloat(x, fmt, prec, 64) for x >= 0. prec -1 means the shortest form that
 * round-trips; the shortest %g switches to an exponent when it is < -4 or >= 6 (1e+06, but 100000).
 */
export function formatFloat(x: number, fmt: 'e' | 'f' | 'g', prec: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : 'Inf';
  if (fmt === 'f') return prec < 0 ? fixedFromDigits(shortestDigits(x)) : toFixedExact(x, prec);
  if (fmt === 'e') {
    const d = prec < 0 ? shortestDigits(x) : roundedDigits(x, prec + 1);
    return expFromDigits(d, prec < 0 ? d.digits.length - 1 : prec);
  }
  // %g
  let d: Digits;
  let eprec: number;
  if (prec < 0) {
    d = shortestDigits(x);
    eprec = 6;
  } else {
    const p = prec === 0 ? 1 : prec;
    d = roundedDigits(x, p);
    d = { digits: d.digits.replace(/0+$/, '') || '0', exp: d.exp };
    eprec = p;
    if (eprec > d.digits.length && d.digits.length >= d.exp + 1) eprec = d.digits.length;
  }
  const exp = d.exp;
  if (exp < -4 || exp >= eprec) return expFromDigits(d, d.digits.length - 1);
  return fixedFromDigits(d);
}

interface Digits {
  digits: string; // significant digits, no leading zeros ("0" for zero)
  exp: number; // decimal exponent of the first digit
}

function shortestDigits(x: number): Digits {
  const [mant, e] = x.toExponential().split('e') as [string, string];
  return { digits: mant.replace('.', ''), exp: Number(e) };
}

function roundedDigits(x: number, significant: number): Digits {
  const [mant, e] = x.toExponential(Math.min(Math.max(significant - 1, 0), 100)).split('e') as [string, string];
  return { digits: mant.replace('.', ''), exp: Number(e) };
}

function expFromDigits(d: Digits, fracDigits: number): string {
  const digits = d.digits.padEnd(fracDigits + 1, '0');
  const mant = fracDigits > 0 ? `${digits[0]}.${digits.slice(1, fracDigits + 1)}` : digits[0]!;
  const e = Math.abs(d.exp);
  return `${mant}e${d.exp < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
}

function fixedFromDigits(d: Digits): string {
  if (d.digits === '0') return '0';
  const point = d.exp + 1;
  if (point <= 0) return `0.${'0'.repeat(-point)}${d.digits}`;
  if (point >= d.digits.length) return d.digits + '0'.repeat(point - d.digits.length);
  return `${d.digits.slice(0, point)}.${d.digits.slice(point)}`;
}

function toFixedExact(x: number, prec: number): string {
  if (x < 1e21 && prec <= 100) return x.toFixed(prec);
  // Doubles this large are integers; toFixed would switch to exponent form.
  const int = x >= 1e21 ? BigInt(x).toString() : x.toFixed(100).split('.')[0]!;
  if (prec === 0) return int;
  const frac = x >= 1e21 ? '' : x.toFixed(100).split('.')[1]!;
  return `${int}.${frac.padEnd(prec, '0').slice(0, prec)}`;
}

function formatString(s: string, verb: string, spec: Spec): string | undefined {
  switch (verb) {
    case 'v':
    case 's':
      return pad(spec.prec >= 0 ? [...s].slice(0, spec.prec).join('') : s, spec);
    case 'q':
      if (spec.sharp && canBackquote(s)) return pad(`\`${s}\``, spec);
      return pad(quoteGo(s, spec.plus), spec);
    case 'x':
    case 'X': {
      let bytes = Buffer.from(s, 'utf8');
      if (spec.prec >= 0) bytes = bytes.subarray(0, spec.prec);
      let hex = bytes.toString('hex');
      if (spec.sharp) hex = `0x${hex}`;
      return pad(verb === 'X' ? hex.toUpperCase() : hex, spec);
    }
    default:
      return undefined;
  }
}

function canBackquote(s: string): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '`' || c === 0xfeff || c === 0x7f || (c < 0x20 && c !== 0x09)) return false;
  }
  return true;
}

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** strconv.Quote (asciiOnly: strconv.QuoteToASCII). */
export function quoteGo(s: string, asciiOnly = false): string {
  return `"${quoteBody(s, asciiOnly)}"`;
}

function quoteBody(s: string, asciiOnly: boolean): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') {
      out += `\\${ch}`;
      continue;
    }
    if (printable.test(ch) && (!asciiOnly || cp < 0x80)) {
      out += ch;
      continue;
    }
    switch (ch) {
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out;
}
