// ESO's `remoteRef.key` for Azure Key Vault: `name` or `secret/name` is a secret, `key/name`
// a key (its public JWK as JSON), `cert/name` a certificate (its DER bytes). Tags are read
// with metadataPolicy Fetch, with ESO's `attribute.*` entries for the object's dates.

import { BackendError } from '@lockstep/core';
import { lookupProperty, utf8, valueText } from '../json-property.ts';
import type { VaultObject } from './key-vault-api.ts';

export type ObjectType = 'secret' | 'key' | 'cert';
const TYPES: readonly string[] = ['secret', 'key', 'cert'];

export interface ObjectRef {
  type: ObjectType;
  name: string;
}

export function parseObjectRef(key: string): ObjectRef {
  const parts = key.split('/');
  if (parts.length === 1) return { type: 'secret', name: key };
  const [type = '', name = ''] = parts;
  if (!TYPES.includes(type)) {
    throw invalid(`remoteRef.key "${key}": unknown object type "${type}": use secret/, key/ or cert/ (or no prefix)`);
  }
  if (parts.length > 2 || !name) {
    throw invalid(`remoteRef.key "${key}" must be ${type}/<name>: Key Vault names have no "/"`);
  }
  return { type: type as ObjectType, name };
}

/** Tags plus ESO's `attribute.expires|created|updated|notBefore` (RFC 3339, UTC, seconds). */
export function allMetadata(obj: VaultObject): Record<string, string> {
  const out: Record<string, string> = { ...obj.tags };
  const set = (key: string, at: Date | undefined) => {
    if (at) out[key] = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  };
  set('attribute.expires', obj.attributes.expiresOn);
  set('attribute.created', obj.attributes.createdOn);
  set('attribute.updated', obj.attributes.updatedOn);
  set('attribute.notBefore', obj.attributes.notBefore);
  return out;
}

/**
 * metadataPolicy Fetch on `data[]`: every tag as one JSON object, or the tag `property` names;
 * `tag.field` reads a field of a tag that holds JSON.
 */
export function metadataValue(metadata: Record<string, string>, property: string | undefined, key: string): Uint8Array {
  if (!property) return utf8(JSON.stringify(metadata));
  const direct = metadata[property];
  if (direct !== undefined) return utf8(direct);
  const dot = property.indexOf('.');
  const tag = dot > 0 ? metadata[property.slice(0, dot)] : undefined;
  if (tag !== undefined) {
    const value = lookupProperty(tag, property.slice(dot + 1));
    if (value !== undefined) return utf8(valueText(value));
  }
  throw invalid(`tag "${property}" does not exist on "${key}"`);
}

/**
 * metadataPolicy Fetch on `dataFrom[].extract`: ESO's keys `<name>_<tag>`, a JSON tag spread
 * into `<name>_<tag>_<field>`; with `property`, only `<key>_<property>`.
 */
export function metadataMap(
  name: string,
  metadata: Record<string, string>,
  property: string | undefined,
  key: string,
): Record<string, Uint8Array> {
  if (property) {
    const entry = `${key}_${property}`;
    return { [entry]: metadataValue(prefixed(name, metadata), entry, key) };
  }
  const out: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(prefixed(name, metadata))) out[k] = utf8(v);
  return out;
}

function prefixed(name: string, metadata: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [tag, value] of Object.entries(metadata)) {
    const doc = tag.startsWith('attribute.') ? undefined : jsonObject(value);
    if (doc) {
      for (const [field, fieldValue] of Object.entries(doc)) out[`${name}_${tag}_${field}`] = valueText(fieldValue);
    } else {
      out[`${name}_${tag}`] = value;
    }
  }
  return out;
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const doc: unknown = JSON.parse(text);
    return doc !== null && typeof doc === 'object' && !Array.isArray(doc)
      ? (doc as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function invalid(message: string): BackendError {
  return new BackendError('InvalidInput', 'azurekv', message);
}
