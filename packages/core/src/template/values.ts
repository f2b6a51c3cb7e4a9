// The value model: how Go values of text/template are represented in JavaScript.
//   Go string           -> string
//   Go int / int64      -> bigint
//   Go float64          -> number (JSON numbers decode to float64, as in Go)
//   Go bool             -> boolean
//   nil                 -> null
//   missing map key     -> undefined (Go's "invalid value", printed as <no value>)
//   []interface{}       -> Array
//   map[string]...      -> object with a null prototype (never an ordinary object: no prototype to reach)
//   []byte (not UTF-8)  -> Uint8Array
// Everything entering the engine passes through `importValue`, which copies host data into this model.

import { FuncError, LimitError } from './errors.ts';
import type { TemplateFunction } from './functions/types.ts';
import { maxValueDepth } from './limits.ts';

export type GoMap = Record<string, unknown>;

/**
 * A Go value with methods that a function returned, such as Sprig's *semver.Version:
 * `.Name` calls its method, fmt prints its String(), JSON and YAML encode that same string
 * (its MarshalJSON). Data never holds one: importValue refuses class instances.
 */
export abstract class GoObject {
  abstract readonly goType: string;
  /** The method called by `.name`, or undefined when the type has none of that name. */
  abstract method(name: string): TemplateFunction | undefined;
  abstract toString(): string;
}

export function newMap(): GoMap {
  return Object.create(null) as GoMap;
}

export function isMap(v: unknown): v is GoMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === null;
}

export function isList(v: unknown): v is unknown[] {
  return Array.isArray(v);
}

export function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

/** Own property lookup only: `.constructor` or `.__proto__` resolve to nothing. */
export function mapGet(m: GoMap, key: string): unknown {
  return Object.hasOwn(m, key) ? m[key] : undefined;
}

export function mapHas(m: GoMap, key: string): boolean {
  return Object.hasOwn(m, key);
}

/** Map keys in Go's order (fmt, json and range sort string keys bytewise). */
export function sortedKeys(m: GoMap): string[] {
  return Object.keys(m).sort(compareStrings);
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Go's type name of a value, for error messages and %T. */
export function typeName(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
  }
  if (isList(v)) return '[]interface {}';
  if (isBytes(v)) return '[]uint8';
  if (isMap(v)) return 'map[string]interface {}';
  if (v instanceof GoObject) return v.goType;
  return 'unsupported';
}

/** Go's truth of a value for if, with, and, or, not. */
export function truth(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  switch (typeof v) {
    case 'string':
      return v.length > 0;
    case 'bigint':
      return v !== 0n;
    case 'number':
      return v !== 0;
    case 'boolean':
      return v;
  }
  if (isList(v) || isBytes(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes become a string when they are UTF-8 (as ESO's string(bytes)); binary stays bytes. */
export function bytesToValue(bytes: Uint8Array): string | Uint8Array {
  try {
    return utf8.decode(bytes);
  } catch {
    return Uint8Array.from(bytes);
  }
}

export function bytesToString(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/**
 * Copies host data into the value model: plain objects become null-prototype maps, Uint8Array
 * values become strings (or bytes when binary), and anything else (functions, class instances,
 * symbols) is refused. The caller's objects are never handed to templates, so `set` cannot mutate them.
 */
export function importValue(v: unknown, depth = 0): unknown {
  if (depth > maxValueDepth) throw new LimitError(`data is nested more than ${maxValueDepth} levels deep`);
  if (v === undefined || v === null) return v ?? null;
  switch (typeof v) {
    case 'string':
    case 'bigint':
    case 'boolean':
      return v;
    case 'number':
      return v;
  }
  if (Array.isArray(v)) return v.map((x) => importValue(x, depth + 1));
  if (v instanceof Uint8Array) return bytesToValue(v);
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      const m = newMap();
      for (const key of Object.keys(v)) m[key] = importValue((v as Record<string, unknown>)[key], depth + 1);
      return m;
    }
  }
  throw new FuncError(`data contains an unsupported value of type ${v?.constructor?.name ?? typeof v}`);
}

/** Byte length of a Go string (Go strings are UTF-8 bytes). */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
