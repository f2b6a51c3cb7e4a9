import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

export type PrinterColumn = {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
};

export type CrdVersion = {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema: object };
  subresources?: object;
  additionalPrinterColumns?: PrinterColumn[];
};

/** One entry of a Status `details.causes`, worded like kube-apiserver. */
export type FieldCause = { reason: string; message: string; field: string };

export type CompiledSchema = {
  validate(obj: unknown): FieldCause[];
  default(obj: unknown): void;
  prune(obj: unknown): void;
};

/** The structural subset of an OpenAPI v3 schema that defaulting and pruning walk. */
type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  default?: unknown;
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  [key: string]: unknown;
};

type JsonObject = Record<string, unknown>;

// ajv-formats is CommonJS: under Node's ESM loader the default import is the plugin itself, while TypeScript's
// view of it is the module object.
const addFormats = ((addFormatsModule as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

function newAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    // strictSchema rejects unknown keywords (hence the declarations below); the type/tuple/required strictness is
    // about schema style, which real CRDs do not follow.
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    validateFormats: true,
  });
  addFormats(ajv);
  // Formats kube-apiserver checks beyond ajv-formats' set (go-openapi strfmt names).
  ajv.addFormat('cidr', /^(?:(?:\d{1,3}\.){3}\d{1,3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/);
  ajv.addFormat('mac', /^(?:[0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/);
  ajv.addFormat('datetime', (s: string) => !Number.isNaN(Date.parse(s)));
  // int-or-string: kube turns it into anyOf [integer, string] before validating.
  ajv.addKeyword({
    keyword: 'x-kubernetes-int-or-string',
    schemaType: 'boolean',
    macro: (on: boolean) => (on ? { anyOf: [{ type: 'integer' }, { type: 'string' }] } : true),
  });
  // A `set` list must not repeat an item (kube: "Duplicate value").
  ajv.addKeyword({
    keyword: 'x-kubernetes-list-type',
    schemaType: 'string',
    macro: (listType: string) => (listType === 'set' ? { uniqueItems: true } : true),
  });
  // Accepted and not enforced here: pruning/defaulting read preserve-unknown-fields and embedded-resource
  // directly; list-map key uniqueness and map-type are not checked; CEL rules (x-kubernetes-validations)
  // are ignored as no CEL evaluator is carried.
  for (const keyword of [
    'x-kubernetes-preserve-unknown-fields',
    'x-kubernetes-embedded-resource',
    'x-kubernetes-list-map-keys',
    'x-kubernetes-map-type',
    'x-kubernetes-validations',
    'example',
    'externalDocs',
  ]) {
    ajv.addKeyword({ keyword });
  }
  return ajv;
}

const ajv = newAjv();
const validatorCache = new Map<string, ValidateFunction>();

/** Registers formats the schema names that neither ajv-formats nor kube know: kube ignores them. */
function acceptUnknownFormats(schema: unknown): void {
  if (Array.isArray(schema)) {
    for (const s of schema) acceptUnknownFormats(s);
    return;
  }
  if (!isObject(schema)) return;
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'format' && typeof value === 'string' && !ajv.formats[value]) ajv.addFormat(value, true);
    else if (key !== 'default' && key !== 'example' && key !== 'enum') acceptUnknownFormats(value);
  }
}

/** The schema validated against objects: metadata is validated by the apiserver itself, not by the CRD schema. */
function withoutMetadata(root: Schema): Schema {
  const { metadata: _metadata, ...properties } = root.properties ?? {};
  const copy: Schema = { ...root, properties };
  if (root.required) copy.required = root.required.filter((r) => r !== 'metadata');
  if (!root.properties) delete copy.properties;
  return copy;
}

const SUBSCHEMA_MAPS = ['properties', 'patternProperties', 'definitions', '$defs'];
const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf'];
const SUBSCHEMAS = ['items', 'additionalProperties', 'not'];

/**
 * Adapts OpenAPI `nullable` to ajv, which refuses it without `type`: without a type null is allowed anyway, and a
 * nullable int-or-string becomes the type list it stands for. The CRD's own schema object is not modified.
 */
function forAjv(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forAjv);
  if (!isObject(schema)) return schema;
  const out: JsonObject = { ...schema };
  for (const key of SUBSCHEMA_MAPS) {
    const map = out[key];
    if (isObject(map)) out[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, forAjv(v)]));
  }
  for (const key of [...SUBSCHEMA_LISTS, ...SUBSCHEMAS]) if (key in out) out[key] = forAjv(out[key]);
  // kube lets null through a nullable enum; ajv checks enum on null too.
  if (out.nullable === true && Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  if (out.nullable === true && out.type === undefined) {
    delete out.nullable;
    if (out['x-kubernetes-int-or-string'] === true) {
      delete out['x-kubernetes-int-or-string'];
      out.type = ['integer', 'string', 'null'];
    }
  }
  return out;
}

function validatorFor(root: Schema): ValidateFunction {
  const key = JSON.stringify(root);
  let validate = validatorCache.get(key);
  if (!validate) {
    acceptUnknownFormats(root);
    validate = ajv.compile(forAjv(withoutMetadata(root)) as object);
    validatorCache.set(key, validate);
  }
  return validate;
}

export function compileCrdVersion(version: CrdVersion): CompiledSchema {
  const root = (version.schema?.openAPIV3Schema ?? {
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
  }) as Schema;
  const validate = validatorFor(root);
  return {
    validate(obj) {
      const body = isObject(obj) ? { ...obj } : obj;
      if (isObject(body)) delete body.metadata;
      if (validate(body)) return [];
      return toCauses(validate.errors ?? [], body);
    },
    default(obj) {
      applyDefaults(obj, root);
    },
    prune(obj) {
      if (isObject(obj)) pruneObject(obj, root, true);
    },
  };
}

// ---- defaulting (apiextensions-apiserver structuraldefaulting.Default) ----

function applyDefaults(value: unknown, schema: Schema | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    for (const item of value) applyDefaults(item, schema.items);
    return;
  }
  if (!isObject(value)) return;
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    if (prop.default === undefined) continue;
    // A null where null is not allowed is treated as absent (kube prunes it before defaulting).
    if (!(name in value) || (value[name] === null && !prop.nullable)) value[name] = structuredClone(prop.default);
  }
  for (const [name, child] of Object.entries(value)) {
    const prop = schema.properties?.[name];
    if (prop) applyDefaults(child, prop);
    else if (isObject(schema.additionalProperties)) applyDefaults(child, schema.additionalProperties);
  }
}

// ---- pruning (apiextensions-apiserver pruning.Prune) ----

const TYPE_META = ['apiVersion', 'kind', 'metadata'];

function pruneObject(obj: JsonObject, schema: Schema | undefined, keepTypeMeta: boolean): void {
  const preserve = schema?.['x-kubernetes-preserve-unknown-fields'] === true;
  const additional = schema?.additionalProperties;
  for (const [name, child] of Object.entries(obj)) {
    if (keepTypeMeta && TYPE_META.includes(name)) {
      // metadata is ObjectMeta, which the apiserver handles; apiVersion/kind are strings.
      continue;
    }
    const prop = schema?.properties?.[name];
    if (prop) pruneValue(child, prop);
    else if (isObject(additional)) pruneValue(child, additional);
    else if (additional === true || preserve) continue;
    else delete obj[name];
  }
}

function pruneValue(value: unknown, schema: Schema | undefined): void {
  // Below preserve-unknown-fields without a schema everything is kept as is.
  if (!schema) return;
  if (Array.isArray(value)) {
    for (const item of value) pruneValue(item, schema.items);
    return;
  }
  if (isObject(value)) pruneObject(value, schema, schema['x-kubernetes-embedded-resource'] === true);
}

// ---- errors in kube's wording ----

const COMPOSITE = new Set(['anyOf', 'oneOf', 'not', 'x-kubernetes-int-or-string', 'x-kubernetes-list-type']);

function toCauses(errors: ErrorObject[], body: unknown): FieldCause[] {
  // ajv also reports why each branch of a composite failed; kube reports the composite once.
  const composites = errors.filter((e) => COMPOSITE.has(e.keyword)).map((e) => `${e.schemaPath}/`);
  const kept = errors.filter((e) => !composites.some((prefix) => e.schemaPath.startsWith(prefix)));
  const causes: FieldCause[] = [];
  const seen = new Set<string>();
  for (const error of kept) {
    const cause = toCause(error, body);
    const key = `${cause.field}\u0000${cause.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    causes.push(cause);
  }
  return causes;
}

function toCause(error: ErrorObject, body: unknown): FieldCause {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const value = valueAt(body, segments);
  const field = fieldPath(body, segments);
  const inBody = field === '' ? 'body' : `${field} in body`;
  const params = error.params as Record<string, unknown>;
  const invalid = (detail: string): FieldCause => ({
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${shown(value)}: ${inBody} ${detail}`,
    field,
  });
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      return { reason: 'FieldValueRequired', message: 'Required value', field: join(field, missing) };
    }
    case 'type':
    case 'x-kubernetes-int-or-string': {
      const expected = error.keyword === 'type' ? String(params.type) : 'integer,string';
      const actual = jsonType(value);
      return {
        reason: 'FieldValueTypeInvalid',
        message: `Invalid value: "${actual}": ${inBody} must be of type ${expected}: "${actual}"`,
        field,
      };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return {
        reason: 'FieldValueNotSupported',
        message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed}`,
        field,
      };
    }
    case 'const':
      return {
        reason: 'FieldValueNotSupported',
        message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${JSON.stringify(params.allowedValue)}`,
        field,
      };
    case 'pattern':
      return invalid(`should match '${String(params.pattern)}'`);
    case 'format':
      return invalid(`must be of type ${String(params.format)}: ${JSON.stringify(value)}`);
    case 'maxLength':
      return { reason: 'FieldValueTooLong', message: `Too long: may not be more than ${params.limit} bytes`, field };
    case 'minLength':
      return invalid(`should be at least ${params.limit} chars long`);
    case 'maxItems':
      return {
        reason: 'FieldValueTooMany',
        message: `Too many: ${(value as unknown[]).length}: must have at most ${params.limit} items`,
        field,
      };
    case 'minItems':
      return invalid(`should have at least ${params.limit} items`);
    case 'maxProperties':
      return {
        reason: 'FieldValueTooMany',
        message: `Too many: ${Object.keys(value as object).length}: must have at most ${params.limit} items`,
        field,
      };
    case 'minProperties':
      return invalid(`should have at least ${params.limit} properties`);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const words = {
        minimum: 'greater than or equal to',
        maximum: 'less than or equal to',
        exclusiveMinimum: 'greater than',
        exclusiveMaximum: 'less than',
      }[error.keyword];
      return invalid(`should be ${words} ${params.limit}`);
    }
    case 'multipleOf':
      return invalid(`should be a multiple of ${params.multipleOf}`);
    case 'uniqueItems':
    case 'x-kubernetes-list-type': {
      const items = value as unknown[];
      const dup = items.find((item, i) => items.findIndex((o) => JSON.stringify(o) === JSON.stringify(item)) !== i);
      return { reason: 'FieldValueDuplicate', message: `Duplicate value: ${shown(dup)}`, field };
    }
    case 'oneOf':
      return invalid('must validate one and only one schema (oneOf)');
    case 'anyOf':
      return invalid('must validate at least one schema (anyOf)');
    case 'not':
      return invalid('must not validate the schema (not)');
    case 'additionalProperties':
      return {
        reason: 'FieldValueForbidden',
        message: 'Forbidden: field not declared in schema',
        field: join(field, String(params.additionalProperty)),
      };
    default:
      return invalid(error.message ?? 'is invalid');
  }
}

function join(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}

/** `spec.containers[0].name`: dots between keys, brackets for array indices. */
function fieldPath(body: unknown, segments: string[]): string {
  let path = '';
  let cursor: unknown = body;
  for (const segment of segments) {
    if (Array.isArray(cursor)) {
      path += `[${segment}]`;
      cursor = cursor[Number(segment)];
    } else {
      path = join(path, segment);
      cursor = isObject(cursor) ? cursor[segment] : undefined;
    }
  }
  return path;
}

function valueAt(body: unknown, segments: string[]): unknown {
  let cursor = body;
  for (const segment of segments) {
    if (Array.isArray(cursor)) cursor = cursor[Number(segment)];
    else if (isObject(cursor)) cursor = cursor[segment];
    else return undefined;
  }
  return cursor;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** How field.Invalid prints a value: scalars as JSON, objects and arrays by their type. */
function shown(value: unknown): string {
  if (isObject(value)) return '"object"';
  if (Array.isArray(value)) return '"array"';
  return JSON.stringify(value) ?? 'null';
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
