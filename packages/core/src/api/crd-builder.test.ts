import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Type } from 'typebox';
import { buildCrd, toStructuralSchema } from './crd-builder.ts';
import { ExactlyOneOf, KubeObject, StringEnum } from './schema-helpers.ts';

test('TypeBox records become additionalProperties and literal unions become enums', () => {
  const schema = toStructuralSchema(
    Type.Object({
      labels: Type.Record(Type.String(), Type.String()),
      mode: Type.Union([Type.Literal('a'), Type.Literal('b')]),
      fixed: Type.Literal('x'),
    }),
  );
  assert.deepEqual(schema.properties, {
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    mode: { type: 'string', enum: ['a', 'b'] },
    fixed: { type: 'string', enum: ['x'] },
  });
});

test('TypeBox hidden keys and additionalProperties: false never reach the CRD', () => {
  const schema = toStructuralSchema(Type.Object({ a: Type.Optional(Type.String()) }, { additionalProperties: false }));
  assert.deepEqual(schema, { type: 'object', properties: { a: { type: 'string' } } });
  assert.ok(!JSON.stringify(schema).includes('~'));
});

test('an empty properties map is left out, as kube-apiserver stores it (a helm apply would conflict)', () => {
  assert.deepEqual(toStructuralSchema(Type.Object({ uuidSpec: Type.Object({}) })), {
    type: 'object',
    properties: { uuidSpec: { type: 'object' } },
    required: ['uuidSpec'],
  });
});

test('a schema Kubernetes cannot enforce is refused instead of written', () => {
  assert.throws(() => toStructuralSchema(Type.Object({ r: Type.Unsafe({ $ref: '#/defs/x' }) })), /\$ref/);
  assert.throws(() => toStructuralSchema(Type.Object({ u: Type.Union([Type.String(), Type.Number()]) })), /anyOf/);
});

test('a union of providers is expressed with min/maxProperties', () => {
  const schema = toStructuralSchema(ExactlyOneOf({ a: Type.Object({}), b: Type.Object({}) }));
  assert.equal(schema.minProperties, 1);
  assert.equal(schema.maxProperties, 1);
  assert.equal(schema.required, undefined);
});

test('buildCrd adds the status subresource and the Ready, Reason and Age columns', () => {
  const crd = buildCrd({
    group: 'example.lockstep.dev',
    version: 'v1',
    kind: 'Thing',
    plural: 'things',
    singular: 'thing',
    scope: 'Namespaced',
    shortNames: [],
    categories: ['lockstep'],
    schema: KubeObject(Type.Object({ mode: StringEnum(['a'] as const) }), Type.Object({}), { description: 'x' }),
    printerColumns: [{ name: 'Mode', type: 'string', jsonPath: '.spec.mode' }],
  }) as {
    metadata: { name: string };
    spec: { names: Record<string, unknown>; versions: Array<Record<string, unknown>> };
  };
  assert.equal(crd.metadata.name, 'things.example.lockstep.dev');
  assert.equal('shortNames' in crd.spec.names, false);
  const version = crd.spec.versions[0];
  assert.deepEqual(version?.subresources, { status: {} });
  const columns = version?.additionalPrinterColumns as Array<{ name: string }>;
  assert.deepEqual(
    columns.map((c) => c.name),
    ['Mode', 'Ready', 'Reason', 'Age'],
  );
});
