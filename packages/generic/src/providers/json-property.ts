// ESO's `remoteRef.property` over a JSON secret (gjson in ESO): a dotted path `a.b.0`,
// except that a top-level key which itself contains dots wins (`{"tls.crt": …}`). Values
// come out as gjson's String(): strings raw, everything else as JSON text.

import { BackendError } from '@lockstep/core';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes UTF-8, or answers undefined for bytes that are not text (binary secrets). */
export function tryUtf8(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

function parseJson(payload: string): unknown {
  try {
    return JSON.parse(payload);
  } catch {
    return undefined;
  }
}

/** Looks `property` up in a JSON document; undefined when the document or the path does not hold it. */
export function lookupProperty(payload: string, property: string): unknown {
  const doc = parseJson(payload);
  if (doc === null || typeof doc !== 'object') return undefined;
  if (property.includes('.') && Object.hasOwn(doc, property)) return (doc as Record<string, unknown>)[property];
  let node: unknown = doc;
  for (const segment of property.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** gjson's String(): strings raw, null empty, other values as JSON. */
export function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null) return '';
  return JSON.stringify(value);
}

/**
 * The value of `property` in a JSON secret. A missing property is InvalidInput, not
 * NotFound: the secret exists, so nothing may be deleted because of it (ESO treats it as a
 * sync error too).
 */
export function selectProperty(backend: string, key: string, payload: Uint8Array, property: string): Uint8Array {
  const text = tryUtf8(payload);
  const doc = text === undefined ? undefined : parseJson(text);
  if (doc === null || typeof doc !== 'object') {
    throw new BackendError(
      'InvalidInput',
      backend,
      `secret "${key}" is not JSON, so property "${property}" cannot be selected: remove remoteRef.property`,
    );
  }
  const value = lookupProperty(text as string, property);
  if (value === undefined) {
    throw new BackendError('InvalidInput', backend, `property "${property}" does not exist in secret "${key}"`);
  }
  return utf8(valueText(value));
}

/** ESO's getSecretMap: the top-level keys of a JSON object, non-string values as JSON. */
export function jsonObjectToMap(backend: string, key: string, payload: Uint8Array): Record<string, Uint8Array> {
  const text = tryUtf8(payload);
  const doc = text === undefined ? undefined : parseJson(text);
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new BackendError('InvalidInput', backend, `secret "${key}" is not a JSON object, so it cannot be extracted`);
  }
  const map: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(doc)) map[k] = utf8(valueText(v));
  return map;
}

/** Sets `property` (a dotted path) in a JSON object document, creating objects on the way. */
export function setProperty(doc: Record<string, unknown>, property: string, value: string): Record<string, unknown> {
  const segments = property.split('.');
  const last = segments.pop() as string;
  let node = doc;
  for (const segment of segments) {
    const next = node[segment];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[last] = value;
  return doc;
}

/** Removes `property` (a dotted path); answers whether something was removed. */
export function deleteProperty(doc: Record<string, unknown>, property: string): boolean {
  if (Object.hasOwn(doc, property)) {
    delete doc[property];
    return true;
  }
  const segments = property.split('.');
  const last = segments.pop() as string;
  let node: unknown = doc;
  for (const segment of segments) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, segment)) return false;
    node = (node as Record<string, unknown>)[segment];
  }
  if (node === null || typeof node !== 'object' || !Object.hasOwn(node, last)) return false;
  delete (node as Record<string, unknown>)[last];
  return true;
}

/** Parses a JSON object document for PushSecret; an empty or missing document is `{}`. */
export function parseObjectForPush(backend: string, key: string, payload: string | undefined): Record<string, unknown> {
  if (payload === undefined || payload === '') return {};
  const doc = parseJson(payload);
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new BackendError(
      'InvalidInput',
      backend,
      `secret "${key}" is not a JSON object, so a property cannot be pushed into it`,
    );
  }
  return doc as Record<string, unknown>;
}
