// Small TypeBox builders for shapes Kubernetes needs that TypeBox does not emit natively
// in structural form: string enums (not anyOf-of-const), string maps (additionalProperties,
// not patternProperties), free-form objects and durations. Each returns a plain JSON
// schema whose Static type is still exact, so one declaration serves both the CRD and TS.

import type { V1ObjectMeta } from '@kubernetes/client-node';
import { type TOptional, type TProperties, type TSchema, type TUnsafe, Type } from 'typebox';

type Options = { description?: string; default?: unknown };

/** A string restricted to `values`; emitted as `enum` (Kubernetes has no `const`). */
export function StringEnum<const T extends readonly string[]>(values: T, options: Options = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** `map[string]string`: labels, annotations, headers, tags. */
export function StringMap(options: Options = {}): TUnsafe<Record<string, string>> {
  return Type.Unsafe<Record<string, string>>({ type: 'object', additionalProperties: { type: 'string' }, ...options });
}

/** A map from string to a structured value. */
export function MapOf<T extends TSchema>(value: T, options: Options = {}) {
  return Type.Record(Type.String(), value, options);
}

/** Arbitrary JSON kept as-is by the API server: only where the anchor itself is free-form. */
export function FreeForm(options: Options = {}): TUnsafe<Record<string, unknown>> {
  return Type.Unsafe<Record<string, unknown>>({
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
    ...options,
  });
}

/**
 * Go `time.ParseDuration` syntax as ESO accepts it (`1h`, `30m`, `1h30m`, `0`).
 * `0` alone is allowed because ESO reads `refreshInterval: 0` as "sync once".
 */
export const GO_DURATION_PATTERN = '^(0|([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$';
export function GoDuration(options: Options = {}) {
  return Type.String({ pattern: GO_DURATION_PATTERN, ...options });
}

/** VSO's duration pattern (`refreshAfter`, `ttl`, `expiryOffset`): one number and one unit. */
export const VSO_DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(s|m|h))$';
export function VsoDuration(options: Options = {}) {
  return Type.String({ pattern: VSO_DURATION_PATTERN, ...options });
}

/** RFC 3339 timestamp, as metav1.Time serialises. */
export function Timestamp(options: Options = {}) {
  return Type.String({ format: 'date-time', ...options });
}

/** int64 as controller-gen declares it. */
export function Int64(options: Options & { minimum?: number; maximum?: number } = {}) {
  return Type.Integer({ format: 'int64', ...options });
}

/**
 * A union of named alternatives expressed structurally: an object whose properties are
 * all optional and of which exactly one must be set. The API server enforces it without
 * CEL (minProperties/maxProperties run after pruning, so an unknown key never counts).
 */
export function ExactlyOneOf<P extends TProperties>(alternatives: P, options: Options = {}) {
  const optional = Object.fromEntries(Object.entries(alternatives).map(([k, v]) => [k, Type.Optional(v)])) as {
    [K in keyof P]: TOptional<P[K]>;
  };
  return Type.Object(optional, { minProperties: 1, maxProperties: 1, ...options });
}

/** `metadata` of a Kubernetes object: validated by the API server itself, typed as client-node's. */
export function ObjectMeta(): TUnsafe<V1ObjectMeta> {
  return Type.Unsafe<V1ObjectMeta>({ type: 'object' });
}

/** A whole custom resource: apiVersion, kind, metadata, spec and (optional) status. */
export function KubeObject<Spec extends TSchema, Status extends TSchema>(
  spec: Spec,
  status: Status,
  options: { description: string },
) {
  return Type.Object(
    {
      apiVersion: Type.String(),
      kind: Type.String(),
      metadata: ObjectMeta(),
      spec,
      status: Type.Optional(status),
    },
    { description: options.description },
  );
}
