// Sprig string functions. Sprig's argument order puts the subject last so it can be piped:
// `{{ .name | trimPrefix "x-" }}`. Lengths are Go's (UTF-8 bytes) for trunc and substr.

import { FuncError } from '../errors.ts';
import { formatValue, quoteGo } from '../go-format.ts';
import { byteLength, bytesToString, isBytes, isList, newMap } from '../values.ts';
import { type CallContext, defineFunction as fn, type TemplateFunction } from './types.ts';

/** Sprig's strval: strings as they are, everything else as fmt's %v. */
export function strval(v: unknown): string {
  if (typeof v === 'string') return v;
  if (isBytes(v)) return bytesToString(v);
  return formatValue(v);
}

/** Sprig's strslice: a list becomes its elements as strings (nil elements dropped). */
export function strslice(v: unknown): string[] {
  if (isList(v)) return v.filter((x) => x !== null && x !== undefined).map(strval);
  if (v === null || v === undefined) return [];
  return [strval(v)];
}

const goSpace = /[\t\n\v\f\r \u0085\u00a0\p{Zs}\u2028\u2029]/u;
const goSpaces = new RegExp(goSpace.source, 'gu');

function trimSpace(s: string): string {
  const chars = [...s];
  let start = 0;
  let end = chars.length;
  while (start < end && goSpace.test(chars[start]!)) start++;
  while (end > start && goSpace.test(chars[end - 1]!)) end--;
  return chars.slice(start, end).join('');
}

/** strings.Trim: removes leading and trailing characters contained in cutset. */
function trimCutset(s: string, cutset: string): string {
  const cut = new Set(cutset);
  const chars = [...s];
  let start = 0;
  let end = chars.length;
  while (start < end && cut.has(chars[start]!)) start++;
  while (end > start && cut.has(chars[end - 1]!)) end--;
  return chars.slice(start, end).join('');
}

/** strings.Title: upper-cases the first letter of each word. */
function title(s: string): string {
  let prevSeparator = true;
  let out = '';
  for (const ch of s) {
    out += prevSeparator ? ch.toUpperCase() : ch;
    prevSeparator = isSeparator(ch);
  }
  return out;
}

function untitle(s: string): string {
  let prevSeparator = true;
  let out = '';
  for (const ch of s) {
    out += prevSeparator ? ch.toLowerCase() : ch;
    prevSeparator = isSeparator(ch);
  }
  return out;
}

function isSeparator(ch: string): boolean {
  if (/^[A-Za-z0-9_]$/.test(ch)) return false;
  if (ch.charCodeAt(0) < 0x80) return true;
  if (/^[\p{L}\p{Nd}]$/u.test(ch)) return false;
  return goSpace.test(ch);
}

function byteSlice(s: string, start: number, end?: number): string {
  return Buffer.from(s, 'utf8').subarray(start, end).toString('utf8');
}

function trunc(c: number, s: string): string {
  const n = byteLength(s);
  if (c < 0 && n + c > 0) return byteSlice(s, n + c);
  if (c >= 0 && n > c) return byteSlice(s, 0, c);
  return s;
}

function substr(start: number, end: number, s: string): string {
  const n = byteLength(s);
  const bounds = (a: number, b: number): string => {
    if (a < 0 || b > n || a > b) throw new FuncError('slice bounds out of range');
    return byteSlice(s, a, b);
  };
  if (start < 0) return bounds(0, end);
  if (end < 0 || end > n) return bounds(start, n);
  return bounds(start, end);
}

function repeat(count: number, s: string, ctx: CallContext): string {
  if (count < 0) throw new FuncError('strings: negative Repeat count');
  ctx.checkLength(count * s.length);
  return s.repeat(count);
}

/** strings.Replace(src, old, new, -1), checking the size before building it. */
export function replaceAll(src: string, old: string, replacement: string, ctx: CallContext): string {
  if (old === '') {
    const chars = [...src];
    ctx.checkLength(src.length + (chars.length + 1) * replacement.length);
    return replacement + chars.map((c) => c + replacement).join('');
  }
  const parts = src.split(old);
  ctx.checkLength(src.length + (parts.length - 1) * (replacement.length - old.length));
  return parts.join(replacement);
}

function indent(spaces: number, s: string, ctx: CallContext): string {
  if (spaces < 0) throw new FuncError('strings: negative Repeat count');
  const pad = ' '.repeat(Math.min(spaces, ctx.limits.maxOutputBytes + 1));
  return pad + replaceAll(s, '\n', `\n${pad}`, ctx);
}

/** strings.Split: an empty separator splits into characters. */
function goSplit(s: string, sep: string, n: number): string[] {
  if (n === 0) return [];
  const parts = sep === '' ? [...s] : s.split(sep);
  if (n < 0 || parts.length <= n) return parts;
  if (sep === '') return [...parts.slice(0, n - 1), parts.slice(n - 1).join('')];
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

function splitToMap(parts: string[]): Record<string, unknown> {
  const m = newMap();
  parts.forEach((p, i) => {
    m[`_${i}`] = p;
  });
  return m;
}

const num = (v: unknown): number => Number(v as bigint);

export const stringFunctions: ReadonlyMap<string, TemplateFunction> = new Map([
  ['upper', fn(['string'], ([s]) => (s as string).toUpperCase())],
  ['lower', fn(['string'], ([s]) => (s as string).toLowerCase())],
  ['title', fn(['string'], ([s]) => title(s as string))],
  ['untitle', fn(['string'], ([s]) => untitle(s as string))],
  ['trim', fn(['string'], ([s]) => trimSpace(s as string))],
  ['trimAll', fn(['string', 'string'], ([cut, s]) => trimCutset(s as string, cut as string))],
  ['trimall', fn(['string', 'string'], ([cut, s]) => trimCutset(s as string, cut as string))],
  [
    'trimPrefix',
    fn(['string', 'string'], ([p, s]) =>
      (s as string).startsWith(p as string) ? (s as string).slice((p as string).length) : s,
    ),
  ],
  [
    'trimSuffix',
    fn(['string', 'string'], ([p, s]) =>
      (p as string) !== '' && (s as string).endsWith(p as string) ? (s as string).slice(0, -(p as string).length) : s,
    ),
  ],
  ['trunc', fn(['int', 'string'], ([c, s]) => trunc(num(c), s as string))],
  ['substr', fn(['int', 'int', 'string'], ([a, b, s]) => substr(num(a), num(b), s as string))],
  [
    'replace',
    fn(['string', 'string', 'string'], ([o, n, s], ctx) => replaceAll(s as string, o as string, n as string, ctx)),
  ],
  ['contains', fn(['string', 'string'], ([sub, s]) => (s as string).includes(sub as string))],
  ['hasPrefix', fn(['string', 'string'], ([p, s]) => (s as string).startsWith(p as string))],
  ['hasSuffix', fn(['string', 'string'], ([p, s]) => (s as string).endsWith(p as string))],
  [
    'quote',
    fn(
      [],
      (args) =>
        args
          .filter((a) => a !== null)
          .map((a) => quoteGo(strval(a)))
          .join(' '),
      'any',
    ),
  ],
  [
    'squote',
    fn(
      [],
      (args) =>
        args
          .filter((a) => a !== null)
          .map((a) => `'${formatValue(a)}'`)
          .join(' '),
      'any',
    ),
  ],
  ['repeat', fn(['int', 'string'], ([c, s], ctx) => repeat(num(c), s as string, ctx))],
  ['nospace', fn(['string'], ([s]) => (s as string).replace(goSpaces, ''))],
  ['indent', fn(['int', 'string'], ([n, s], ctx) => indent(num(n), s as string, ctx))],
  ['nindent', fn(['int', 'string'], ([n, s], ctx) => `\n${indent(num(n), s as string, ctx)}`)],
  ['split', fn(['string', 'string'], ([sep, s]) => splitToMap(goSplit(s as string, sep as string, -1)))],
  ['splitList', fn(['string', 'string'], ([sep, s]) => goSplit(s as string, sep as string, -1))],
  ['splitn', fn(['string', 'int', 'string'], ([sep, n, s]) => splitToMap(goSplit(s as string, sep as string, num(n))))],
  ['join', fn(['string', 'any'], ([sep, v]) => strslice(v).join(sep as string))],
  ['toString', fn(['any'], ([v]) => strval(v))],
  ['toStrings', fn(['any'], ([v]) => (isList(v) ? v.map(strval) : strslice(v)))],
  [
    'cat',
    fn(
      [],
      (args) =>
        args
          .filter((a) => a !== null)
          .map(formatValue)
          .join(' '),
      'any',
    ),
  ],
]);
