// Sprig's encoding and hashing functions plus ESO's toYaml/fromYaml. Decoding errors say what
// is wrong with a value (its position at most), never the value itself.

import { createHash } from 'node:crypto';
import { Document, parse as parseYaml, visit as visitYaml } from 'yaml';
import { FuncError, LimitError } from '../errors.ts';
import { maxValueDepth } from '../limits.ts';
import { bytesToValue, GoObject, importValue, isBytes, isList, isMap, typeName } from '../values.ts';
import { decodeJson, encodeJson } from './go-json.ts';
import { defineFunction as fn, type TemplateFunction } from './types.ts';

/** A string or binary argument as bytes (Go's []byte(s)). */
export function toBytes(v: unknown): Buffer {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (isBytes(v)) return Buffer.from(v);
  throw new FuncError(`wrong type for value; expected string; got ${typeName(v)}`);
}

/** base64.StdEncoding.DecodeString: padding required, newlines ignored, anything else is an error. */
function b64dec(s: string): string | Uint8Array {
  const clean = s.replace(/[\r\n]/g, '');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(clean)) {
    // Sprig returns Go's error text instead of failing; keep that, it names only a position.
    const bad = clean.search(/[^A-Za-z0-9+/=]/);
    const pad = clean.indexOf('=');
    const at = bad >= 0 ? bad : pad >= 0 ? pad : clean.length - (clean.length % 4);
    return `illegal base64 data at input byte ${at}`;
  }
  return bytesToValue(Buffer.from(clean, 'base64'));
}

const b32alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function b32enc(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += b32alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += b32alphabet[(value << (5 - bits)) & 31];
  return out.padEnd(Math.ceil(out.length / 8) * 8, '=');
}

function b32dec(s: string): string | Uint8Array {
  const clean = s.replace(/[\r\n]/g, '');
  const valid = /^(?:[A-Z2-7]{8})*(?:[A-Z2-7]{2}={6}|[A-Z2-7]{4}={4}|[A-Z2-7]{5}={3}|[A-Z2-7]{7}=)?$/.test(clean);
  if (!valid) {
    const bad = clean.search(/[^A-Z2-7=]/);
    return `illegal base32 data at input byte ${bad >= 0 ? bad : Math.max(clean.indexOf('='), 0)}`;
  }
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const c of clean.replace(/=+$/, '')) {
    value = ((value << 5) | b32alphabet.indexOf(c)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return bytesToValue(Uint8Array.from(bytes));
}

function adler32(bytes: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return (b * 65536 + a) >>> 0;
}

const hash = (algorithm: string) => fn(['any'], ([v]) => createHash(algorithm).update(toBytes(v)).digest('hex'));

/** Plain JavaScript for the yaml package, as Go's YAML marshalling sees values through JSON. */
function toPlain(v: unknown, depth = 0): unknown {
  if (depth > maxValueDepth) throw new LimitError(`value is nested more than ${maxValueDepth} levels deep`);
  if (v === undefined) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (isBytes(v)) return Buffer.from(v).toString('base64');
  if (v instanceof GoObject) return v.toString();
  if (isList(v)) return v.map((x) => toPlain(x, depth + 1));
  if (isMap(v)) return Object.fromEntries(Object.keys(v).map((k) => [k, toPlain(v[k], depth + 1)]));
  return v;
}

const yaml11Tags = new Document(null, { version: '1.1' }).schema.tags;
const notPrintable = /[^\n\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]|\uFEFF/u;

/** Whether Go's YAML 1.1 resolver would read this plain string as something else (yes, 1.0, ~, 2001-12-14). */
function resolvesToNonString(text: string): boolean {
  return yaml11Tags.some(
    (t) => t.default === true && t.tag !== 'tag:yaml.org,2002:str' && 'test' in t && t.test?.test(text),
  );
}

/**
 * ESO's toYaml (sigs.k8s.io/yaml over go-yaml v2): keys sorted, block style, a string that
 * would read back as another type double-quoted, any other string that cannot be plain
 * single-quoted, multi-line strings as literal blocks.
 */
function toYaml(v: unknown): string {
  const doc = new Document(toPlain(v), { version: '1.1', aliasDuplicateObjects: false, sortMapEntries: true });
  visitYaml(doc, {
    Scalar(_, node) {
      const text = node.value;
      if (typeof text !== 'string') return;
      // go-yaml's emitter only double-quotes characters outside YAML's printable set (a tab).
      if (notPrintable.test(text) || (!text.includes('\n') && resolvesToNonString(text))) node.type = 'QUOTE_DOUBLE';
    },
  });
  const text = doc.toString({ lineWidth: 0, indentSeq: false, singleQuote: true });
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

/**
 * ESO's fromYaml: a YAML mapping (YAML 1.1, as Go's yaml package) into a map; timestamps stay
 * strings. Like ESO and Helm it tolerates errors by answering {Error: message}; our message never
 * quotes the input.
 */
function fromYaml(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = parseYaml(text, {
      version: '1.1',
      maxAliasCount: 100,
      customTags: (tags) => tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:timestamp'),
    });
  } catch {
    return importValue({ Error: 'value is not valid YAML' });
  }
  if (parsed === null || parsed === undefined) parsed = {};
  if (typeof parsed !== 'object' || Array.isArray(parsed) || isBytes(parsed)) {
    return importValue({ Error: 'value is not a YAML mapping' });
  }
  return importValue(parsed);
}

const jsonOf = (escapeHtml: boolean, indent: string, swallowErrors: boolean) =>
  fn(['any'], ([v]) => {
    try {
      return encodeJson(v, { escapeHtml, indent });
    } catch (e) {
      if (swallowErrors && e instanceof FuncError) return '';
      throw e;
    }
  });

const fromJson = fn(['string'], ([s]) => {
  try {
    return decodeJson(s as string);
  } catch (e) {
    if (e instanceof FuncError) return null;
    throw e;
  }
});

export const encodingFunctions: ReadonlyMap<string, TemplateFunction> = new Map([
  ['b64enc', fn(['any'], ([v]) => toBytes(v).toString('base64'))],
  ['b64dec', fn(['string'], ([s]) => b64dec(s as string))],
  ['b32enc', fn(['any'], ([v]) => b32enc(toBytes(v)))],
  ['b32dec', fn(['string'], ([s]) => b32dec(s as string))],
  ['toJson', jsonOf(true, '', true)],
  ['mustToJson', jsonOf(true, '', false)],
  ['toPrettyJson', jsonOf(true, '  ', true)],
  ['mustToPrettyJson', jsonOf(true, '  ', false)],
  ['toRawJson', jsonOf(false, '', true)],
  ['mustToRawJson', jsonOf(false, '', false)],
  ['fromJson', fromJson],
  ['mustFromJson', fn(['string'], ([s]) => decodeJson(s as string))],
  ['toYaml', fn(['any'], ([v]) => toYaml(v))],
  ['fromYaml', fn(['string'], ([s]) => fromYaml(s as string))],
  ['sha1sum', hash('sha1')],
  ['sha256sum', hash('sha256')],
  ['sha512sum', hash('sha512')],
  ['adler32sum', fn(['any'], ([v]) => String(adler32(toBytes(v))))],
]);
