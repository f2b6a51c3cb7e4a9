// Go text/template's predefined functions. `call` is deliberately absent: data never holds functions.

import { FuncError } from '../errors.ts';
import { sprint, sprintf, sprintln } from '../go-format.ts';
import { byteLength, isBytes, isList, isMap, mapGet, truth, typeName } from '../values.ts';
import { defineFunction as fn, type TemplateFunction } from './types.ts';

type BasicKind = 'bool' | 'int' | 'float' | 'string' | 'invalid' | 'other';

function basicKind(v: unknown): BasicKind {
  if (v === undefined || v === null) return 'invalid';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'string';
  }
  return 'other';
}

function eq(a: unknown, others: unknown[]): boolean {
  if (others.length === 0) throw new FuncError('missing argument for comparison');
  const k1 = basicKind(a);
  for (const b of others) {
    const k2 = basicKind(b);
    if (k1 !== k2) {
      if (k1 !== 'invalid' && k2 !== 'invalid') throw new FuncError('incompatible types for comparison');
      continue;
    }
    if (k1 === 'other') throw new FuncError(`non-comparable type ${typeName(a)}`);
    if (k1 === 'invalid' || a === b) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k1 === 'other' || k2 === 'invalid' || k2 === 'other') {
    throw new FuncError('invalid type for comparison');
  }
  if (k1 !== k2) throw new FuncError('incompatible types for comparison');
  if (k1 === 'bool') throw new FuncError('invalid type for comparison');
  return (a as string | number | bigint) < (b as string | number | bigint);
}

/** Go's evalArgs for the escapers: one string argument as is, otherwise fmt.Sprint. */
function argsToString(args: unknown[]): string {
  return args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args);
}

function toIndex(v: unknown, length: number, what: string): number {
  if (typeof v !== 'bigint') throw new FuncError(`cannot index ${what} with type ${typeName(v)}`);
  if (v < 0n || v >= BigInt(length)) throw new FuncError(`index out of range: ${v}`);
  return Number(v);
}

function index(item: unknown, keys: unknown[]): unknown {
  if (item === undefined || item === null) throw new FuncError('index of untyped nil');
  for (const key of keys) {
    if (item === null || item === undefined) throw new FuncError('index of nil pointer');
    if (isList(item)) item = item[toIndex(key, item.length, 'slice')];
    else if (typeof item === 'string') {
      const bytes = Buffer.from(item, 'utf8');
      item = BigInt(bytes[toIndex(key, bytes.length, 'string')]!);
    } else if (isBytes(item)) item = BigInt(item[toIndex(key, item.length, 'slice')]!);
    else if (isMap(item)) {
      if (typeof key !== 'string') throw new FuncError(`value has type ${typeName(key)}; should be string`);
      const found = mapGet(item, key);
      // A missing key yields the zero value of the map's element type: "" for a map of strings
      // (ESO's secret data), nil otherwise.
      item = found !== undefined ? found : Object.values(item).every((x) => typeof x === 'string') ? '' : null;
    } else throw new FuncError(`can't index item of type ${typeName(item)}`);
  }
  return item;
}

function sliceIndex(v: unknown): number {
  if (typeof v !== 'bigint') throw new FuncError(`cannot index slice/array with type ${typeName(v)}`);
  return Number(v);
}

function slice(item: unknown, idx: unknown[]): unknown {
  if (item === undefined || item === null) throw new FuncError('slice of untyped nil');
  if (idx.length > 3) throw new FuncError(`too many slice indexes: ${idx.length}`);
  let length: number;
  if (typeof item === 'string') {
    if (idx.length === 3) throw new FuncError('cannot 3-index slice a string');
    length = byteLength(item);
  } else if (isList(item) || isBytes(item)) length = item.length;
  else throw new FuncError(`can't slice item of type ${typeName(item)}`);
  const bounds = [0, length, length];
  idx.forEach((v, i) => {
    const n = sliceIndex(v);
    if (n < 0 || n > length) throw new FuncError(`index out of range: ${n}`);
    bounds[i] = n;
  });
  if (bounds[0]! > bounds[1]!) throw new FuncError(`invalid slice index: ${bounds[0]} > ${bounds[1]}`);
  if (idx.length === 3 && bounds[1]! > bounds[2]!)
    throw new FuncError(`invalid slice index: ${bounds[1]} > ${bounds[2]}`);
  if (typeof item === 'string') return Buffer.from(item, 'utf8').subarray(bounds[0], bounds[1]).toString('utf8');
  return item.slice(bounds[0], bounds[1]) as unknown[] | Uint8Array;
}

function len(item: unknown): bigint {
  if (item === undefined) throw new FuncError('len of untyped nil');
  if (item === null) throw new FuncError('len of nil pointer');
  if (typeof item === 'string') return BigInt(byteLength(item));
  if (isList(item) || isBytes(item)) return BigInt(item.length);
  if (isMap(item)) return BigInt(Object.keys(item).length);
  throw new FuncError(`len of type ${typeName(item)}`);
}

const htmlEscapes: Record<string, string> = {
  '"': '&#34;',
  "'": '&#39;',
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '\0': '\ufffd',
};

export function htmlEscape(s: string): string {
  return s.replace(/["'&<>\0]/g, (c) => htmlEscapes[c]!);
}

export function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '\\':
        out += '\\\\';
        continue;
      case "'":
        out += "\\'";
        continue;
      case '"':
        out += '\\"';
        continue;
      case '<':
        out += '\\u003C';
        continue;
      case '>':
        out += '\\u003E';
        continue;
      case '&':
        out += '\\u0026';
        continue;
      case '=':
        out += '\\u003D';
        continue;
    }
    if (cp < 0x20 || (cp >= 0x7f && !/^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch))) {
      out += cp > 0xffff ? ch : `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    } else out += ch;
  }
  return out;
}

/** url.QueryEscape */
export function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

export const builtinFunctions: ReadonlyMap<string, TemplateFunction> = new Map([
  ['and', fn(['value'], () => undefined, 'value')], // evaluated lazily by the evaluator
  ['or', fn(['value'], () => undefined, 'value')],
  ['not', fn(['value'], ([a]) => !truth(a))],
  ['len', fn(['value'], ([a]) => len(a))],
  ['index', fn(['value'], ([item, ...keys]) => index(item, keys), 'value')],
  ['slice', fn(['value'], ([item, ...idx]) => slice(item, idx), 'value')],
  ['print', fn([], (args) => sprint(args), 'any')],
  ['println', fn([], (args) => sprintln(args), 'any')],
  ['printf', fn(['string'], ([f, ...args], ctx) => sprintf(f as string, args, ctx.limits.maxOutputBytes), 'any')],
  ['html', fn([], (args) => htmlEscape(argsToString(args)), 'any')],
  ['js', fn([], (args) => jsEscape(argsToString(args)), 'any')],
  ['urlquery', fn([], (args) => queryEscape(argsToString(args)), 'any')],
  ['eq', fn(['value'], ([a, ...rest]) => eq(a, rest), 'value')],
  ['ne', fn(['value', 'value'], ([a, b]) => !eq(a, [b]))],
  ['lt', fn(['value', 'value'], ([a, b]) => lt(a, b))],
  ['le', fn(['value', 'value'], ([a, b]) => lt(a, b) || eq(a, [b]))],
  ['gt', fn(['value', 'value'], ([a, b]) => !(lt(a, b) || eq(a, [b])))],
  ['ge', fn(['value', 'value'], ([a, b]) => !lt(a, b))],
]);
