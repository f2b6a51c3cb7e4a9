import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CrdVersion, compileCrdVersion } from './crd-schema.ts';

const schema = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['provider'],
      properties: {
        refreshInterval: { type: 'string', default: '1h' },
        replicas: { type: 'integer', minimum: 1, maximum: 10 },
        mode: { type: 'string', enum: ['Sync', 'Rotate'] },
        name: { type: 'string', pattern: '^[a-z]+$', maxLength: 8 },
        port: { 'x-kubernetes-int-or-string': true },
        contact: { type: 'string', format: 'email' },
        provider: {
          type: 'object',
          properties: {
            vault: {
              type: 'object',
              required: ['server'],
              properties: {
                server: { type: 'string' },
                version: { type: 'string', default: 'v2' },
                auth: {
                  type: 'object',
                  default: {},
                  properties: { mountPath: { type: 'string', default: 'kubernetes' } },
                },
                tls: { type: 'object', properties: { insecure: { type: 'boolean', default: false } } },
              },
            },
            aws: { type: 'object', properties: { region: { type: 'string' } } },
          },
          oneOf: [{ required: ['vault'] }, { required: ['aws'] }],
        },
        data: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['secretKey'],
            properties: {
              secretKey: { type: 'string' },
              decoding: { type: 'string', default: 'None' },
            },
          },
        },
        tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        limits: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            properties: { max: { type: 'integer', default: 5 } },
          },
        },
        template: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          properties: { type: { type: 'string' } },
        },
        embedded: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } },
        timeout: { type: 'string', nullable: true, default: '30s' },
        size: { type: 'integer', format: 'int64' },
        odd: { type: 'string', format: 'made-up-format' },
        rules: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          'x-kubernetes-validations': [{ rule: 'self.size() < 3', message: 'too many' }],
          items: { type: 'object', 'x-kubernetes-map-type': 'atomic', properties: { name: { type: 'string' } } },
        },
      },
    },
    status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
};

const version: CrdVersion = { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } };
const compiled = compileCrdVersion(version);

function valid(spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'lockstep.dev/v1',
    kind: 'Thing',
    metadata: { name: 'x', namespace: 'default' },
    spec: { provider: { vault: { server: 'https://vault:8200' } }, ...spec },
  };
}

describe('CRD schema validation', () => {
  it('accepts a valid object, metadata included', () => {
    assert.deepEqual(compiled.validate(valid({ replicas: 3, mode: 'Sync', port: 'http', tags: ['a', 'b'] })), []);
  });

  it('reports a missing required field with its full path', () => {
    const obj = valid();
    (obj.spec as { provider: unknown }).provider = { vault: {} };
    assert.deepEqual(compiled.validate(obj), [
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.provider.vault.server' },
    ]);
  });

  it('reports a missing required top-level spec field', () => {
    const obj = valid();
    delete (obj.spec as Record<string, unknown>).provider;
    assert.deepEqual(compiled.validate(obj), [
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.provider' },
    ]);
  });

  it('reports a wrong type like kube-apiserver', () => {
    assert.deepEqual(compiled.validate(valid({ replicas: 'three' })), [
      {
        reason: 'FieldValueTypeInvalid',
        message: 'Invalid value: "string": spec.replicas in body must be of type integer: "string"',
        field: 'spec.replicas',
      },
    ]);
    assert.equal(compiled.validate(valid({ replicas: 1.5 }))[0]?.message.endsWith('integer: "number"'), true);
  });

  it('reports an unsupported enum value with the supported ones', () => {
    assert.deepEqual(compiled.validate(valid({ mode: 'Delete' })), [
      {
        reason: 'FieldValueNotSupported',
        message: 'Unsupported value: "Delete": supported values: "Sync", "Rotate"',
        field: 'spec.mode',
      },
    ]);
  });

  it('checks pattern, length, bounds and item counts with ajv', () => {
    const causes = compiled.validate(valid({ name: 'ABC', replicas: 11, data: [] }));
    const byField = Object.fromEntries(causes.map((c) => [c.field, c]));
    assert.equal(byField['spec.name']?.reason, 'FieldValueInvalid');
    assert.equal(byField['spec.name']?.message, `Invalid value: "ABC": spec.name in body should match '^[a-z]+$'`);
    assert.equal(
      byField['spec.replicas']?.message,
      'Invalid value: 11: spec.replicas in body should be less than or equal to 10',
    );
    assert.equal(
      byField['spec.data']?.message,
      'Invalid value: "array": spec.data in body should have at least 1 items',
    );
    assert.equal(compiled.validate(valid({ name: 'abcdefghij' }))[0]?.reason, 'FieldValueTooLong');
  });

  it('names array elements with brackets', () => {
    assert.deepEqual(compiled.validate(valid({ data: [{ secretKey: 'a' }, { decoding: 'Base64' }] })), [
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.data[1].secretKey' },
    ]);
  });

  it('reports oneOf once, without the reasons of each branch', () => {
    const obj = valid();
    (obj.spec as Record<string, unknown>).provider = { vault: { server: 's' }, aws: {} };
    const causes = compiled.validate(obj);
    assert.equal(causes.length, 1);
    assert.equal(causes[0]?.field, 'spec.provider');
    assert.match(causes[0]?.message ?? '', /must validate one and only one schema \(oneOf\)/);
  });

  it('accepts both integers and strings for int-or-string and nothing else', () => {
    assert.deepEqual(compiled.validate(valid({ port: 8080 })), []);
    assert.deepEqual(compiled.validate(valid({ port: 'http' })), []);
    assert.deepEqual(compiled.validate(valid({ port: true })), [
      {
        reason: 'FieldValueTypeInvalid',
        message: 'Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
        field: 'spec.port',
      },
    ]);
  });

  it('checks known formats and ignores unknown ones', () => {
    assert.equal(compiled.validate(valid({ contact: 'not-an-email' }))[0]?.field, 'spec.contact');
    assert.deepEqual(compiled.validate(valid({ contact: 'ops@example.com', size: 12, odd: 'anything' })), []);
  });

  it('refuses duplicates in a set list', () => {
    assert.deepEqual(compiled.validate(valid({ tags: ['a', 'a'] })), [
      { reason: 'FieldValueDuplicate', message: 'Duplicate value: "a"', field: 'spec.tags' },
    ]);
  });

  it('accepts null for a nullable field only', () => {
    assert.deepEqual(compiled.validate(valid({ timeout: null })), []);
    assert.equal(compiled.validate(valid({ mode: null }))[0]?.reason, 'FieldValueTypeInvalid');
  });

  it('accepts null for nullable fields without a type, nullable int-or-string and nullable enums', () => {
    const loose = compileCrdVersion({
      name: 'v1',
      served: true,
      storage: true,
      schema: {
        openAPIV3Schema: {
          type: 'object',
          properties: {
            spec: {
              type: 'object',
              properties: {
                anything: { nullable: true, 'x-kubernetes-preserve-unknown-fields': true },
                port: { 'x-kubernetes-int-or-string': true, nullable: true },
                mode: { type: 'string', nullable: true, enum: ['A', 'B'] },
              },
            },
          },
        },
      },
    });
    assert.deepEqual(loose.validate({ spec: { anything: null, port: null, mode: null } }), []);
    assert.deepEqual(loose.validate({ spec: { anything: { x: 1 }, port: 'http', mode: 'A' } }), []);
    assert.deepEqual(
      loose.validate({ spec: { port: 1.5, mode: 'C' } }).map((c) => [c.field, c.reason]),
      [
        ['spec.port', 'FieldValueTypeInvalid'],
        ['spec.mode', 'FieldValueNotSupported'],
      ],
    );
  });

  it('ignores CEL rules and map keys but accepts the keywords', () => {
    assert.deepEqual(compiled.validate(valid({ rules: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] })), []);
  });

  it('does not validate metadata against the schema', () => {
    const obj = valid();
    obj.metadata = 'not an object';
    assert.deepEqual(compiled.validate(obj), []);
  });

  it('validates the whole object, reporting every failure', () => {
    assert.equal(compiled.validate(valid({ replicas: 0, mode: 'x', name: 'A' })).length, 3);
  });

  it('accepts anything when the version has no schema', () => {
    const open = compileCrdVersion({ name: 'v1', served: true, storage: true });
    assert.deepEqual(open.validate({ spec: { anything: [1, 'two'] } }), []);
  });

  it('reuses compiled validators for the same schema', () => {
    const again = compileCrdVersion(structuredClone(version));
    assert.deepEqual(again.validate(valid({ mode: 'Nope' }))[0]?.reason, 'FieldValueNotSupported');
  });
});

describe('CRD structural defaulting', () => {
  it('fills defaults inside objects present in the input, recursively', () => {
    const obj = valid();
    compiled.default(obj);
    assert.deepEqual(obj.spec, {
      refreshInterval: '1h',
      timeout: '30s',
      provider: { vault: { server: 'https://vault:8200', version: 'v2', auth: { mountPath: 'kubernetes' } } },
    });
  });

  it('never creates an absent parent object unless the parent has a default', () => {
    const obj = valid();
    compiled.default(obj);
    const vault = (obj.spec as { provider: { vault: Record<string, unknown> } }).provider.vault;
    assert.equal('tls' in vault, false, 'tls has no default, so insecure is not defaulted');
    assert.deepEqual(vault.auth, { mountPath: 'kubernetes' }, 'auth defaults to {} and is then defaulted');
  });

  it('keeps values that are set and defaults array items and map values', () => {
    const obj = valid({
      refreshInterval: '5m',
      data: [{ secretKey: 'a' }, { secretKey: 'b', decoding: 'Base64' }],
      limits: { cpu: {}, mem: { max: 9 } },
    });
    compiled.default(obj);
    const spec = obj.spec as Record<string, unknown>;
    assert.equal(spec.refreshInterval, '5m');
    assert.deepEqual(spec.data, [
      { secretKey: 'a', decoding: 'None' },
      { secretKey: 'b', decoding: 'Base64' },
    ]);
    assert.deepEqual(spec.limits, { cpu: { max: 5 }, mem: { max: 9 } });
  });

  it('replaces null with the default only when the field is not nullable', () => {
    const obj = valid({ refreshInterval: null, timeout: null });
    compiled.default(obj);
    const spec = obj.spec as Record<string, unknown>;
    assert.equal(spec.refreshInterval, '1h');
    assert.equal(spec.timeout, null);
  });

  it('copies default values instead of sharing them between objects', () => {
    const a = valid();
    const b = valid();
    compiled.default(a);
    compiled.default(b);
    const authOf = (o: Record<string, unknown>) =>
      (o.spec as { provider: { vault: { auth: Record<string, unknown> } } }).provider.vault.auth;
    authOf(a).mountPath = 'changed';
    assert.equal(authOf(b).mountPath, 'kubernetes');
  });
});

describe('CRD pruning', () => {
  it('removes fields the schema does not declare and keeps apiVersion, kind and metadata', () => {
    const obj = valid({ unknown: 1, data: [{ secretKey: 'a', extra: true }] });
    (obj.metadata as Record<string, unknown>).labels = { a: 'b' };
    (obj as Record<string, unknown>).extraTop = 'x';
    compiled.prune(obj);
    assert.deepEqual(obj, {
      apiVersion: 'lockstep.dev/v1',
      kind: 'Thing',
      metadata: { name: 'x', namespace: 'default', labels: { a: 'b' } },
      spec: { provider: { vault: { server: 'https://vault:8200' } }, data: [{ secretKey: 'a' }] },
    });
  });

  it('keeps unknown fields under x-kubernetes-preserve-unknown-fields', () => {
    const obj = valid({ template: { type: 'Opaque', data: { key: '{{ .x }}' }, nested: { deep: [1] } } });
    (obj as Record<string, unknown>).status = { anything: { goes: true } };
    compiled.prune(obj);
    const spec = obj.spec as Record<string, unknown>;
    assert.deepEqual(spec.template, { type: 'Opaque', data: { key: '{{ .x }}' }, nested: { deep: [1] } });
    assert.deepEqual((obj as Record<string, unknown>).status, { anything: { goes: true } });
  });

  it('keeps map entries under additionalProperties and prunes inside their values', () => {
    const obj = valid({ labels: { a: 'b', c: 'd' }, limits: { cpu: { max: 1, bogus: 2 } } });
    compiled.prune(obj);
    const spec = obj.spec as Record<string, unknown>;
    assert.deepEqual(spec.labels, { a: 'b', c: 'd' });
    assert.deepEqual(spec.limits, { cpu: { max: 1 } });
  });

  it('keeps apiVersion, kind and metadata of embedded resources', () => {
    const obj = valid({ embedded: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {}, junk: 1 } });
    compiled.prune(obj);
    assert.deepEqual((obj.spec as Record<string, unknown>).embedded, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {},
    });
  });
});
