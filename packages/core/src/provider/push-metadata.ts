// PushSecret `data[].metadata` as ESO defines it: a PushSecretMetadata envelope whose `spec`
// each provider defines (Vault customMetadata, AWS tags, Kubernetes labels/annotations). ESO
// parses it strictly (unknown fields are errors); so does this, with a message that names
// the field and the keys the provider takes.

import { SpecProblem } from '../errors/spec-problem.ts';

/** ESO's apiVersion; the Lockstep-spelled one is taken too, so either migrates unchanged. */
export const PUSH_METADATA_API_VERSIONS = [
  'kubernetes.external-secrets.io/v1alpha1',
  'kubernetes.lockstep.dev/v1alpha1',
];
export const PUSH_METADATA_KIND = 'PushSecretMetadata';

/** A field of the provider's spec: a string, a string map, or one of some strings. */
export type PushMetadataField = 'string' | 'stringMap' | readonly string[];

export type PushMetadataValue<F> = F extends 'stringMap' ? Record<string, string> : string;

export type ParsedPushMetadata<S extends Record<string, PushMetadataField>> = {
  [K in keyof S]?: PushMetadataValue<S[K]>;
};

/**
 * The `spec` of a PushSecretMetadata for a provider taking `fields`; undefined when there is
 * no metadata. Anything else (another envelope, an unknown key, a wrong type) is a SpecProblem.
 */
export function parsePushMetadata<S extends Record<string, PushMetadataField>>(
  raw: unknown,
  provider: string,
  fields: S,
): ParsedPushMetadata<S> | undefined {
  if (raw === undefined || raw === null) return undefined;
  const at = 'spec.data[].metadata';
  const fix = `a ${PUSH_METADATA_KIND} (apiVersion ${PUSH_METADATA_API_VERSIONS[0]}) whose spec takes ${Object.keys(fields).join(', ')} for the ${provider} provider`;
  if (!isObject(raw)) throw problem(`${at} must be ${fix}`);
  const unknownTop = Object.keys(raw).filter((k) => !['apiVersion', 'kind', 'spec'].includes(k));
  if (unknownTop.length > 0) throw problem(`${at} has unknown field(s) ${list(unknownTop)}: it must be ${fix}`);
  if (!PUSH_METADATA_API_VERSIONS.includes(String(raw.apiVersion))) {
    throw problem(`${at}.apiVersion "${String(raw.apiVersion ?? '')}" must be ${PUSH_METADATA_API_VERSIONS[0]}`);
  }
  if (raw.kind !== PUSH_METADATA_KIND) {
    throw problem(`${at}.kind "${String(raw.kind ?? '')}" must be ${PUSH_METADATA_KIND}`);
  }
  const spec = raw.spec ?? {};
  if (!isObject(spec)) throw problem(`${at}.spec must be an object`);
  const unknown = Object.keys(spec).filter((k) => !Object.hasOwn(fields, k));
  if (unknown.length > 0) {
    throw problem(
      `${at}.spec has unknown key(s) ${list(unknown)}: the ${provider} provider takes ${list(Object.keys(fields))}`,
    );
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(spec)) {
    if (value === undefined || value === null) continue;
    const field = fields[key] as PushMetadataField;
    const path = `${at}.spec.${key}`;
    if (field === 'string') {
      if (typeof value !== 'string') throw problem(`${path} must be a string`);
    } else if (field === 'stringMap') {
      if (!isObject(value) || Object.values(value).some((v) => typeof v !== 'string')) {
        throw problem(`${path} must be a map of strings`);
      }
    } else if (typeof value !== 'string' || !field.includes(value)) {
      throw problem(`${path} must be one of ${field.join(', ')}, not ${JSON.stringify(value)}`);
    }
    out[key] = value;
  }
  return out as ParsedPushMetadata<S>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function list(keys: string[]): string {
  return keys.map((k) => `"${k}"`).join(', ');
}

function problem(message: string): SpecProblem {
  return new SpecProblem('InvalidSpec', message);
}
