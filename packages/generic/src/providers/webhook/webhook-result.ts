// What a webhook's answer becomes: one value (data[].remoteRef) or a map of keys
// (dataFrom.extract and the Webhook generator), following ESO's webhook provider. Messages
// name the path and the JSON type, never a value from the answer.

import { BackendError, type SecretMap } from '@lockstep/core';
import { tryUtf8, utf8, valueText } from '../json-property.ts';
import { type CompiledJsonPath, selectJsonPath } from './json-path.ts';

/**
 * One value: the whole answer without `result.jsonPath`; with it, the selected value (a list
 * yields its first element, an object its JSON, a string as it is, null nothing).
 */
export function resultValue(body: Uint8Array, jsonPath: CompiledJsonPath | undefined, source: string): Uint8Array {
  if (!jsonPath) return body;
  const selected = select(parseAnswer(body, source), jsonPath, source);
  return utf8(valueText(first(selected, jsonPath, source)));
}

/**
 * A map: the answer (or the value `result.jsonPath` selects, which may itself be a JSON
 * string holding an object, as ESO allows) must be a JSON object; its keys become the keys,
 * strings as they are and other values as JSON.
 */
export function resultMap(body: Uint8Array, jsonPath: CompiledJsonPath | undefined, source: string): SecretMap {
  let doc = parseAnswer(body, source);
  if (jsonPath) {
    const selected = select(doc, jsonPath, source);
    doc = selected;
    if (typeof selected === 'string') {
      try {
        doc = JSON.parse(selected);
      } catch {
        throw invalid(`result.jsonPath "${jsonPath.label}" selects a string in ${source} that is not JSON`);
      }
    }
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    const what = jsonPath ? `the value result.jsonPath "${jsonPath.label}" selects in ${source}` : source;
    throw invalid(
      `${what} is ${typeName(doc)}, not a JSON object of keys and values${jsonPath ? '' : ': set result.jsonPath to the object'}`,
    );
  }
  const map: SecretMap = {};
  for (const [key, value] of Object.entries(doc)) map[key] = utf8(valueText(value));
  return map;
}

function parseAnswer(body: Uint8Array, source: string): unknown {
  const text = tryUtf8(body);
  try {
    if (text !== undefined) return JSON.parse(text);
  } catch {}
  throw invalid(`${source} is not JSON, which result.jsonPath and dataFrom need`);
}

/** A singular path answers its value (missing: an error, as PaesslerAG's); any other path a list. */
function select(doc: unknown, jsonPath: CompiledJsonPath, source: string): unknown {
  const values = selectJsonPath(jsonPath, doc);
  if (!jsonPath.singular) return values;
  if (values.length === 0) throw invalid(`result.jsonPath "${jsonPath.label}" selects nothing in ${source}`);
  return values[0];
}

function first(value: unknown, jsonPath: CompiledJsonPath, source: string): unknown {
  let current = value;
  // ESO keeps this for backwards compatibility: a list stands for its first element.
  while (Array.isArray(current)) {
    if (current.length === 0) throw invalid(`result.jsonPath "${jsonPath.label}" selects nothing in ${source}`);
    current = current[0];
  }
  return current;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

function invalid(message: string): BackendError {
  return new BackendError('InvalidInput', 'webhook', message);
}
