// Kubernetes accepts a CRD only when its schema is structural; these checks follow the
// apiextensions rules (every field typed, no $ref, no additionalProperties beside
// properties, junctors without types or defaults, valid defaults, list-map keys required).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crdSchema, newKubeAjv } from './crd-validator.ts';
import { renderCrds } from './render-crds.ts';

type Schema = Record<string, unknown>;
const rendered = renderCrds();

function* walk(
  node: Schema,
  at: string,
  inJunctor = false,
): Generator<{ node: Schema; at: string; inJunctor: boolean }> {
  yield { node, at, inJunctor };
  for (const [k, v] of Object.entries((node.properties as Record<string, Schema>) ?? {})) {
    yield* walk(v, `${at}.${k}`, inJunctor);
  }
  if (node.items) yield* walk(node.items as Schema, `${at}[]`, inJunctor);
  if (typeof node.additionalProperties === 'object')
    yield* walk(node.additionalProperties as Schema, `${at}{}`, inJunctor);
  for (const j of ['allOf', 'anyOf', 'oneOf'] as const) {
    for (const [i, branch] of ((node[j] as Schema[]) ?? []).entries()) yield* walk(branch, `${at}.${j}[${i}]`, true);
  }
  if (node.not) yield* walk(node.not as Schema, `${at}.not`, true);
}

function structuralProblems(root: Schema): string[] {
  const problems: string[] = [];
  for (const { node, at, inJunctor } of walk(root, '')) {
    const keys = Object.keys(node);
    if (keys.some((k) => k.startsWith('$') || k.startsWith('~'))) problems.push(`${at}: ${keys.join(',')}`);
    if ('const' in node || 'patternProperties' in node) problems.push(`${at}: const/patternProperties`);
    if (node.properties && node.additionalProperties !== undefined)
      problems.push(`${at}: additionalProperties with properties`);
    if (inJunctor) {
      for (const k of ['type', 'description', 'default', 'additionalProperties', 'nullable']) {
        if (k in node) problems.push(`${at}: ${k} inside a junctor`);
      }
    } else if (!node.type && !node['x-kubernetes-preserve-unknown-fields'] && !node['x-kubernetes-int-or-string']) {
      problems.push(`${at}: no type`);
    }
    const mapKeys = node['x-kubernetes-list-map-keys'] as string[] | undefined;
    if (mapKeys) {
      const required = ((node.items as Schema).required as string[]) ?? [];
      for (const key of mapKeys) if (!required.includes(key)) problems.push(`${at}: list-map key ${key} not required`);
    }
  }
  return problems;
}

for (const { file, crd } of rendered) {
  test(`${file} is a structural schema`, () => {
    assert.deepEqual(structuralProblems(crdSchema(crd)), []);
  });

  test(`${file} defaults are valid against their own schema`, () => {
    const ajv = newKubeAjv();
    for (const { node, at, inJunctor } of walk(crdSchema(crd), '')) {
      if (inJunctor || !('default' in node)) continue;
      const { default: value, ...rest } = node;
      const validate = ajv.compile(rest);
      assert.ok(
        validate(structuredClone(value)),
        `${at}: default ${JSON.stringify(value)} ${ajv.errorsText(validate.errors)}`,
      );
    }
  });
}

type Column = { name: string; type: string; jsonPath: string };
type Version = { subresources: Schema; additionalPrinterColumns: Column[] };
const versionOf = (crd: Schema) => (crd.spec as { versions: Version[] }).versions[0];
const columnsOf = (file: string) => {
  const crd = rendered.find((r) => r.file === file)?.crd;
  return (crd && versionOf(crd)?.additionalPrinterColumns) ?? [];
};

test('every CRD has a status subresource, the lockstep category and Ready, Reason, Age columns', () => {
  for (const { file, crd } of rendered) {
    const { names } = crd.spec as { names: { categories: string[] } };
    assert.deepEqual(versionOf(crd)?.subresources, { status: {} }, file);
    assert.ok(names.categories.includes('lockstep'), file);
    assert.deepEqual(
      columnsOf(file)
        .map((c) => c.name)
        .slice(-3),
      ['Ready', 'Reason', 'Age'],
      file,
    );
  }
});

test('every printer column points at a field the schema declares', () => {
  for (const { file, crd } of rendered) {
    for (const { jsonPath } of columnsOf(file)) {
      if (jsonPath.startsWith('.metadata.')) continue; // ObjectMeta is the API server's own schema
      let node: Schema | undefined = crdSchema(crd);
      for (const part of jsonPath
        .replace(/\[\?.*?\]/g, '')
        .split('.')
        .filter(Boolean)) {
        node = (node?.properties as Record<string, Schema> | undefined)?.[part];
        if (node?.type === 'array') node = node.items as Schema;
      }
      assert.ok(node?.type, `${file}: ${jsonPath}`);
    }
  }
});

test('leased kinds show when their credential expires, as a time (kubectl prints a date column as an age)', () => {
  const vds = columnsOf('vault.lockstep.dev_vaultdynamicsecrets.yaml');
  assert.ok(vds.some((c) => c.jsonPath === '.status.leaseExpiry' && c.type === 'string'));
  const pki = columnsOf('vault.lockstep.dev_vaultpkisecrets.yaml');
  assert.ok(pki.some((c) => c.jsonPath === '.status.certificateExpiry' && c.type === 'string'));
});

test('short names follow the anchors and never collide', () => {
  const all = rendered.flatMap(({ crd }) => (crd.spec as { names: { shortNames?: string[] } }).names.shortNames ?? []);
  assert.equal(new Set(all).size, all.length);
  for (const name of ['es', 'ss', 'css', 'ces', 'ps', 'vss', 'vds']) assert.ok(all.includes(name), name);
});
