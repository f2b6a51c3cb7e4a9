// Sprig list and dict functions, plus default/empty/coalesce/ternary and type helpers.
// Maps are Go maps: iteration (keys, values) is sorted so output is deterministic, where Sprig
// would answer in random order. Functions that Sprig lets panic fail with a FuncError instead.

import { FuncError, LimitError } from '../errors.ts';
import { maxValueDepth } from '../limits.ts';
import {
  compareStrings,
  type GoMap,
  isBytes,
  isList,
  isMap,
  mapGet,
  mapHas,
  newMap,
  sortedKeys,
  truth,
  typeName,
} from '../values.ts';
import { strslice, strval } from './strings.ts';
import { type CallContext, defineFunction as fn, type TemplateFunction } from './types.ts';

/** Sprig's empty: nil, false, 0, "" and empty collections. */
export function empty(v: unknown): boolean {
  return !truth(v);
}

function asMap(v: unknown): GoMap {
  if (!isMap(v)) throw new FuncError(`wrong type for value; expected map[string]interface {}; got ${typeName(v)}`);
  return v;
}

function asList(v: unknown, what: string): unknown[] {
  if (isList(v)) return v;
  if (isBytes(v)) return Array.from(v, (b) => BigInt(b));
  throw new FuncError(`Cannot ${what} on type ${typeName(v)}`);
}

export function deepEqual(a: unknown, b: unknown, depth = 0): boolean {
  if (depth > maxValueDepth) throw new LimitError(`value is nested more than ${maxValueDepth} levels deep`);
  if (a === b) return true;
  if (isList(a) && isList(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i], depth + 1));
  if (isBytes(a) && isBytes(b)) return Buffer.from(a).equals(Buffer.from(b));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => mapHas(b, k) && deepEqual(a[k], b[k], depth + 1));
  }
  return false;
}

function dict(args: unknown[]): GoMap {
  const m = newMap();
  for (let i = 0; i < args.length; i += 2) m[strval(args[i])] = i + 1 < args.length ? args[i + 1] : '';
  return m;
}

/** mergo.Merge (overwrite=false fills only missing or empty keys) and WithOverride. */
function mergeInto(dst: GoMap, src: GoMap, overwrite: boolean, depth: number): void {
  if (depth > maxValueDepth) throw new LimitError(`value is nested more than ${maxValueDepth} levels deep`);
  for (const key of Object.keys(src)) {
    const s = src[key];
    const d = mapGet(dst, key);
    if (isMap(d) && isMap(s)) mergeInto(d, s, overwrite, depth + 1);
    else if (!mapHas(dst, key) || empty(d) || (overwrite && !empty(s))) dst[key] = s;
  }
}

function merge(args: unknown[], overwrite: boolean): GoMap {
  const dst = asMap(args[0]);
  for (const src of args.slice(1)) mergeInto(dst, asMap(src), overwrite, 0);
  return dst;
}

function dig(args: unknown[]): unknown {
  let m = asMap(args.at(-1));
  const fallback = args.at(-2);
  const keys = args.slice(0, -2);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (typeof k !== 'string') throw new FuncError(`dig keys must be strings; got ${typeName(k)}`);
    if (!mapHas(m, k)) return fallback;
    const step = m[k];
    if (i === keys.length - 1) return step;
    m = asMap(step);
  }
  return fallback;
}

/** Scalars are compared through a Set; only lists and maps need the quadratic deep comparison. */
function uniq(list: unknown[]): unknown[] {
  const out: unknown[] = [];
  const seen = new Set<unknown>();
  const composites: unknown[] = [];
  for (const x of list) {
    if (typeof x === 'object' && x !== null) {
      if (composites.some((y) => deepEqual(x, y))) continue;
      composites.push(x);
    } else {
      if (seen.has(x)) continue;
      seen.add(x);
    }
    out.push(x);
  }
  return out;
}

function concat(lists: unknown[], ctx: CallContext): unknown[] {
  const parts = lists.map((l) => asList(l, 'concat type as list'));
  ctx.checkItems(parts.reduce((n, p) => n + p.length, 0));
  return parts.flat(1);
}

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'invalid';
  if (isList(v) || isBytes(v)) return 'slice';
  if (isMap(v)) return 'map';
  return typeName(v);
}

function until(n: bigint, ctx: CallContext): bigint[] {
  const count = n > 0n ? n : -n;
  ctx.checkItems(Number(count));
  const step = n > 0n ? 1n : -1n;
  const out: bigint[] = [];
  for (let i = 0n; i !== n; i += step) out.push(i);
  return out;
}

const listFn = (what: string, f: (list: unknown[]) => unknown) => fn(['any'], ([l]) => f(asList(l, what)));

const first = listFn('find first', (l) => (l.length > 0 ? l[0] : null));
const last = listFn('find last', (l) => (l.length > 0 ? l.at(-1) : null));
const rest = listFn('find rest', (l) => (l.length > 0 ? l.slice(1) : null));
const initial = listFn('find initial', (l) => (l.length > 0 ? l.slice(0, -1) : null));
const append = fn(['any', 'any'], ([l, v]) => [...asList(l, 'push'), v]);
const prepend = fn(['any', 'any'], ([l, v]) => [v, ...asList(l, 'prepend')]);
const uniqFn = listFn('find uniq', uniq);
const reverse = listFn('find reverse', (l) => l.slice().reverse());
const compact = listFn('compact', (l) => l.filter((x) => !empty(x)));
const has = fn(['any', 'any'], ([needle, hay]) =>
  hay === null ? false : asList(hay, 'find has').some((x) => deepEqual(x, needle)),
);
const without = fn(
  ['any'],
  ([l, ...omit]) => asList(l, 'find without').filter((x) => !omit.some((o) => deepEqual(x, o))),
  'any',
);

export const collectionFunctions: ReadonlyMap<string, TemplateFunction> = new Map([
  ['list', fn([], (args) => args.slice(), 'any')],
  ['dict', fn([], (args) => dict(args), 'any')],
  ['get', fn(['any', 'string'], ([m, k]) => (mapHas(asMap(m), k as string) ? asMap(m)[k as string] : ''))],
  [
    'set',
    fn(['any', 'string', 'any'], ([m, k, v]) => {
      asMap(m)[k as string] = v;
      return m;
    }),
  ],
  [
    'unset',
    fn(['any', 'string'], ([m, k]) => {
      delete asMap(m)[k as string];
      return m;
    }),
  ],
  ['hasKey', fn(['any', 'string'], ([m, k]) => mapHas(asMap(m), k as string))],
  ['keys', fn([], (maps) => maps.flatMap((m) => Object.keys(asMap(m))).sort(compareStrings), 'any')],
  ['values', fn(['any'], ([m]) => sortedKeys(asMap(m)).map((k) => asMap(m)[k]))],
  [
    'pluck',
    fn(
      ['string'],
      ([k, ...maps]) =>
        maps
          .map(asMap)
          .filter((m) => mapHas(m, k as string))
          .map((m) => m[k as string]),
      'any',
    ),
  ],
  ['merge', fn(['any'], (args) => merge(args, false), 'any')],
  ['mustMerge', fn(['any'], (args) => merge(args, false), 'any')],
  ['mergeOverwrite', fn(['any'], (args) => merge(args, true), 'any')],
  ['mustMergeOverwrite', fn(['any'], (args) => merge(args, true), 'any')],
  [
    'pick',
    fn(
      ['any'],
      ([m, ...keys]) => {
        const src = asMap(m);
        const out = newMap();
        for (const k of keys.map(strval)) if (mapHas(src, k)) out[k] = src[k];
        return out;
      },
      'any',
    ),
  ],
  [
    'omit',
    fn(
      ['any'],
      ([m, ...keys]) => {
        const src = asMap(m);
        const drop = new Set(keys.map(strval));
        const out = newMap();
        for (const k of Object.keys(src)) if (!drop.has(k)) out[k] = src[k];
        return out;
      },
      'any',
    ),
  ],
  ['dig', fn(['any', 'any', 'any'], (args) => dig(args), 'any')],
  ['first', first],
  ['mustFirst', first],
  ['last', last],
  ['mustLast', last],
  ['rest', rest],
  ['mustRest', rest],
  ['initial', initial],
  ['mustInitial', initial],
  ['append', append],
  ['push', append],
  ['mustAppend', append],
  ['mustPush', append],
  ['prepend', prepend],
  ['mustPrepend', prepend],
  ['concat', fn([], (lists, ctx) => concat(lists, ctx), 'any')],
  ['uniq', uniqFn],
  ['mustUniq', uniqFn],
  ['has', has],
  ['mustHas', has],
  ['without', without],
  ['mustWithout', without],
  ['sortAlpha', fn(['any'], ([l]) => (isList(l) ? strslice(l).sort(compareStrings) : [strval(l)]))],
  ['reverse', reverse],
  ['mustReverse', reverse],
  ['compact', compact],
  ['mustCompact', compact],
  ['until', fn(['int'], ([n], ctx) => until(n as bigint, ctx))],
  ['deepEqual', fn(['any', 'any'], ([a, b]) => deepEqual(a, b))],
  ['default', fn(['any'], ([d, ...given]) => (given.length === 0 || empty(given[0]) ? d : given[0]), 'any')],
  ['empty', fn(['any'], ([v]) => empty(v))],
  ['coalesce', fn([], (args) => args.find((a) => !empty(a)) ?? null, 'any')],
  ['all', fn([], (args) => args.every((a) => !empty(a)), 'any')],
  ['any', fn([], (args) => args.some((a) => !empty(a)), 'any')],
  ['ternary', fn(['any', 'any', 'bool'], ([t, f, c]) => (c ? t : f))],
  ['typeOf', fn(['any'], ([v]) => typeName(v))],
  ['typeIs', fn(['string', 'any'], ([t, v]) => typeName(v) === t)],
  ['kindOf', fn(['any'], ([v]) => kindOf(v))],
  ['kindIs', fn(['string', 'any'], ([k, v]) => kindOf(v) === k)],
]);
