// encoding/json as Sprig's toJson family sees it: map keys sorted, <, > and & escaped as
// \u003c... unless raw, []byte as base64, NaN and Inf refused; and json.Unmarshal into
// interface{} (numbers become float64).

import { FuncError, LimitError } from '../errors.ts';
import { maxValueDepth } from '../limits.ts';
import { GoObject, importValue, isBytes, isList, isMap, sortedKeys } from '../values.ts';

export interface JsonOptions {
  escapeHtml: boolean;
  indent: string;
}

export function encodeJson(v: unknown, opts: JsonOptions): string {
  return encode(v, opts, 0, '');
}

function encode(v: unknown, opts: JsonOptions, depth: number, prefix: string): string {
  if (depth > maxValueDepth) throw new LimitError(`value is nested more than ${maxValueDepth} levels deep`);
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return quoteJson(v, opts.escapeHtml);
    case 'boolean':
      return String(v);
    case 'bigint':
      return v.toString();
    case 'number':
      if (!Number.isFinite(v)) throw new FuncError('json: unsupported value: NaN or Inf');
      return String(v);
  }
  if (isBytes(v)) return `"${Buffer.from(v).toString('base64')}"`;
  if (v instanceof GoObject) return quoteJson(v.toString(), opts.escapeHtml); // its MarshalJSON
  const inner = prefix + opts.indent;
  const nl = opts.indent ? '\n' : '';
  if (isList(v)) {
    if (v.length === 0) return '[]';
    if (!nl) return `[${v.map((x) => encode(x, opts, depth + 1, '')).join(',')}]`;
    return `[\n${v.map((x) => inner + encode(x, opts, depth + 1, inner)).join(',\n')}\n${prefix}]`;
  }
  if (isMap(v)) {
    const keys = sortedKeys(v);
    if (keys.length === 0) return '{}';
    const sep = nl ? ': ' : ':';
    const items = keys.map(
      (k) => `${nl && inner}${quoteJson(k, opts.escapeHtml)}${sep}${encode(v[k], opts, depth + 1, inner)}`,
    );
    return nl ? `{\n${items.join(',\n')}\n${prefix}}` : `{${items.join(',')}}`;
  }
  throw new FuncError('json: unsupported type');
}

function quoteJson(s: string, escapeHtml: boolean): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const code = c.charCodeAt(0);
    if (c === '"' || c === '\\') out += `\\${c}`;
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (
      code < 0x20 ||
      (escapeHtml && (c === '<' || c === '>' || c === '&')) ||
      code === 0x2028 ||
      code === 0x2029
    ) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      // A lone surrogate is invalid UTF-8 in Go: it becomes U+FFFD.
      const next = s.charCodeAt(i + 1);
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += c + s[i + 1];
        i++;
      } else out += '\ufffd';
    } else out += c;
  }
  return `${out}"`;
}

/** json.Unmarshal into interface{}. The error never quotes the input (it may be a secret). */
export function decodeJson(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new FuncError('value is not valid JSON');
  }
  return importValue(parsed);
}
