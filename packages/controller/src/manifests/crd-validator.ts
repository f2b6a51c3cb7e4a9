// An admission stand-in for tests: ajv compiled from a generated CRD's openAPIV3Schema,
// applying defaults like the API server and, in strict mode, rejecting unknown fields
// like `kubectl apply` (server-side field validation `Strict`). ajv ignores CEL
// (`x-kubernetes-validations`), which is why every rule we rely on has a non-CEL form.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

type Schema = Record<string, unknown>;

const K8S_KEYWORDS = [
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-validations',
];

export function newKubeAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    useDefaults: true,
    strict: true,
    // Junctor branches carry `properties`/`required` without `type`: structural schemas require exactly that.
    strictTypes: false,
    strictRequired: false,
    formats: {
      'date-time': /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i,
      byte: /^[A-Za-z0-9+/]*={0,2}$/,
      int32: true,
      int64: true,
    },
  });
  for (const keyword of K8S_KEYWORDS) ajv.addKeyword(keyword);
  return ajv;
}

/** The CRD's schema with `additionalProperties: false` on every typed object with properties (Strict field validation). */
export function strictFields(schema: Schema): Schema {
  const out: Schema = { ...schema };
  if (out.type === 'object' && out.properties && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  if (out.properties) {
    out.properties = Object.fromEntries(
      Object.entries(out.properties as Record<string, Schema>).map(([k, v]) => [k, strictFields(v)]),
    );
  }
  if (out.items) out.items = strictFields(out.items as Schema);
  if (typeof out.additionalProperties === 'object')
    out.additionalProperties = strictFields(out.additionalProperties as Schema);
  return out;
}

export interface Admission {
  ok: boolean;
  errors: string[];
  /** The object after defaulting. */
  object: unknown;
}

/** Validates objects of one CRD: `admit` defaults a copy and reports every error. */
export class CrdValidator {
  readonly #validate: ValidateFunction;

  constructor(openAPIV3Schema: Schema, options: { strict?: boolean } = {}) {
    const schema = options.strict === false ? openAPIV3Schema : strictFields(openAPIV3Schema);
    this.#validate = newKubeAjv().compile(schema);
  }

  admit(object: unknown): Admission {
    const copy = structuredClone(object);
    const ok = this.#validate(copy);
    return { ok, errors: (this.#validate.errors ?? []).map(describe), object: copy };
  }
}

function describe(e: ErrorObject): string {
  const extra = e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : '';
  return `${e.instancePath || '/'} ${e.message ?? e.keyword}${extra}`;
}

/** The openAPIV3Schema of a rendered CRD object. */
export function crdSchema(crd: Record<string, unknown>): Schema {
  const spec = crd.spec as { versions: Array<{ schema: { openAPIV3Schema: Schema } }> };
  const version = spec.versions[0];
  if (!version) throw new Error('CRD without versions');
  return version.schema.openAPIV3Schema;
}
