// Vault data -> Kubernetes Secret data, as VSO builds it: each top-level field becomes a key
// (strings as they are, anything else as JSON), `_raw` holds the whole response data as
// JSON, and `destination.transformation` renders templates and filters source keys.

import {
  compileTemplate,
  parseGoDuration,
  SpecProblem,
  TemplateError,
  type Transformation,
  userRegexPredicate,
} from '@lockstep/core';

export const RAW_KEY = '_raw';

export interface SourceData {
  /** Top-level fields of the Vault secret (KV data, dynamic credentials, certificate fields). */
  fields: Record<string, unknown>;
  /** What `_raw` holds (VSO: the response's `data`, metadata included for KV v2). */
  raw: unknown;
  /** KV v2 metadata, for templates (`.Metadata`). */
  metadata?: Record<string, unknown>;
}

export interface TemplateScope {
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
}

export function fieldBytes(value: unknown): Uint8Array {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.from(JSON.stringify(value ?? null), 'utf8');
}

/**
 * The Secret data for `source` after `transformation`. VSO semantics: excludes drop source
 * keys first, includes keep only matching source keys; templated keys are never filtered;
 * `_raw` is kept unless `excludeRaw`.
 */
export function buildSecretData(
  source: SourceData,
  transformation: Transformation | undefined,
  scope: TemplateScope = {},
): Record<string, Uint8Array> {
  const t = transformation ?? {};
  if (t.transformationRefs?.length) {
    throw new SpecProblem(
      'InvalidTransformation',
      'destination.transformation.transformationRefs is not supported (there is no SecretTransformation kind): write the templates inline in destination.transformation.templates',
    );
  }
  const excludes = compileRegexes(t.excludes, 'excludes');
  const includes = compileRegexes(t.includes, 'includes');
  const out: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(source.fields)) {
    if (excludes.some((matches) => matches(key))) continue;
    if (includes.length > 0 && !includes.some((matches) => matches(key))) continue;
    out[key] = fieldBytes(value);
  }
  const context = {
    Secrets: source.fields,
    Metadata: source.metadata ?? {},
    Annotations: scope.annotations ?? {},
    Labels: scope.labels ?? {},
  };
  for (const [key, template] of Object.entries(t.templates ?? {})) {
    const secretKey = template.name || key;
    try {
      out[secretKey] = compileTemplate(`templates.${key}`, template.text).executeBytes(context);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      throw new SpecProblem(
        'InvalidTransformation',
        `destination.transformation.templates.${key}: ${err.message}: fix the template`,
      );
    }
  }
  if (!t.excludeRaw) out[RAW_KEY] = Buffer.from(JSON.stringify(source.raw ?? {}), 'utf8');
  return out;
}

/** VSO includes/excludes: unanchored RE2 (Go) patterns, on the linear-time engine. */
function compileRegexes(patterns: string[] | undefined, field: string): ((key: string) => boolean)[] {
  return (patterns ?? []).map((p) =>
    userRegexPredicate(
      p,
      (err) => new SpecProblem('InvalidTransformation', `destination.transformation.${field}: "${p}": ${err.message}`),
    ),
  );
}

/** Seconds of a VSO duration field (`30s`, `1h`), or a SpecProblem naming the field. */
export function durationSeconds(value: string | undefined, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    return parseGoDuration(value, field) / 1000;
  } catch (err) {
    throw new SpecProblem('InvalidDuration', (err as Error).message);
  }
}
