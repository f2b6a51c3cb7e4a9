// Turns a kind's TypeBox schema into a CustomResourceDefinition. TypeBox is the one
// source of truth; this module only translates what TypeBox emits into what the
// Kubernetes API server accepts as a structural schema, and refuses anything else so a
// schema that cannot be enforced at admission never reaches crds/.

import type { TSchema } from 'typebox';
import { READY_REASON_PATH, READY_STATUS_PATH } from './conditions.ts';

export type JsonSchema = { [key: string]: unknown };

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  /** 0 shows in `kubectl get`; 1 only with `-o wide`. */
  priority?: number;
}

/** Everything that defines one CRD; each kind module exports one. */
export interface CrdSource {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  scope: 'Namespaced' | 'Cluster';
  shortNames: string[];
  categories: string[];
  /** The whole object (apiVersion, kind, metadata, spec, status). */
  schema: TSchema;
  /** Columns between the name and Age; Ready and Reason are added by `buildCrd`. */
  printerColumns: PrinterColumn[];
}

/** `crds/<group>_<plural>.yaml`, controller-gen's naming. */
export function crdFileName(src: Pick<CrdSource, 'group' | 'plural'>): string {
  return `${src.group}_${src.plural}.yaml`;
}

export function buildCrd(src: CrdSource): JsonSchema {
  const columns: PrinterColumn[] = [
    ...src.printerColumns,
    { name: 'Ready', type: 'string', jsonPath: READY_STATUS_PATH },
    { name: 'Reason', type: 'string', jsonPath: READY_REASON_PATH },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${src.plural}.${src.group}`, labels: { 'app.kubernetes.io/part-of': 'lockstep' } },
    spec: {
      group: src.group,
      names: {
        kind: src.kind,
        listKind: `${src.kind}List`,
        plural: src.plural,
        singular: src.singular,
        ...(src.shortNames.length > 0 ? { shortNames: src.shortNames } : {}),
        categories: src.categories,
      },
      scope: src.scope,
      versions: [
        {
          name: src.version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: columns,
          schema: { openAPIV3Schema: toStructuralSchema(src.schema) },
        },
      ],
    },
  };
}

const ALLOWED_KEYS = new Set([
  'type',
  'format',
  'description',
  'title',
  'default',
  'enum',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'required',
  'properties',
  'items',
  'additionalProperties',
  'nullable',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'example',
]);

/**
 * TypeBox JSON schema -> Kubernetes structural schema. Drops TypeBox's hidden `~` keys
 * (via a JSON round trip), rewrites the two TypeBox shapes Kubernetes lacks (Record's
 * `patternProperties`, literal unions as `anyOf` of `const`), drops
 * `additionalProperties: false` (Kubernetes prunes unknown fields instead) and throws on
 * anything else it does not know, e.g. `$ref`.
 */
export function toStructuralSchema(schema: TSchema): JsonSchema {
  return convert(JSON.parse(JSON.stringify(schema)) as JsonSchema, '', false);
}

// Inside allOf/anyOf/oneOf/not only value validations are structural: no type, default...
const JUNCTOR_FORBIDDEN = ['type', 'description', 'default', 'additionalProperties', 'nullable'];

function convert(node: JsonSchema, at: string, inJunctor: boolean): JsonSchema {
  const out: JsonSchema = { ...node };
  const pattern = out.patternProperties as Record<string, JsonSchema> | undefined;
  if (pattern) {
    const values = Object.values(pattern);
    if (values.length !== 1 || out.properties) throw new Error(`${at}: patternProperties cannot be made structural`);
    out.additionalProperties = values[0];
    delete out.patternProperties;
  }
  const anyOf = out.anyOf as JsonSchema[] | undefined;
  if (anyOf?.length && anyOf.every((s) => 'const' in s)) {
    out.type = anyOf[0]?.type;
    out.enum = anyOf.map((s) => s.const);
    delete out.anyOf;
  }
  if ('const' in out) {
    out.enum = [out.const];
    delete out.const;
  }
  if (out.additionalProperties === false) delete out.additionalProperties;
  if (out.additionalProperties === true) throw new Error(`${at}: use FreeForm() instead of additionalProperties: true`);
  if (out.additionalProperties && out.properties) throw new Error(`${at}: additionalProperties with properties`);
  if (Array.isArray(out.required) && out.required.length === 0) delete out.required;
  // kube-apiserver stores no empty `properties`: kept, a server-side apply of the file (helm)
  // differs from what a PUT of the same file stored, and conflicts on `.spec.versions`.
  if (out.properties && Object.keys(out.properties as object).length === 0) delete out.properties;
  for (const key of Object.keys(out)) {
    if (inJunctor && JUNCTOR_FORBIDDEN.includes(key))
      throw new Error(`${at}: ${key} inside a junctor is not structural`);
    if (!ALLOWED_KEYS.has(key) && !key.startsWith('x-kubernetes-'))
      throw new Error(`${at}: unsupported keyword ${key}`);
  }
  if (out.properties) {
    const props = out.properties as Record<string, JsonSchema>;
    out.properties = Object.fromEntries(
      Object.entries(props).map(([k, v]) => [k, convert(v, `${at}.${k}`, inJunctor)]),
    );
  }
  if (out.items) out.items = convert(out.items as JsonSchema, `${at}[]`, inJunctor);
  if (typeof out.additionalProperties === 'object') {
    out.additionalProperties = convert(out.additionalProperties as JsonSchema, `${at}{}`, inJunctor);
  }
  for (const junctor of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = out[junctor] as JsonSchema[] | undefined;
    if (list) out[junctor] = list.map((s, i) => convert(s, `${at}.${junctor}[${i}]`, true));
  }
  if (out.not) out.not = convert(out.not as JsonSchema, `${at}.not`, true);
  return out;
}
