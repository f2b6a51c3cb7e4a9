// The ownership rules live in the CRDs as CEL (`x-kubernetes-validations`), which only a real
// kube-apiserver evaluates: ajv and the embedded test server ignore them. So this test pins
// the CEL text in the generated files in crds/, where the lead's real-server run and every
// cluster will read it. The reconciler-side twins are tested beside their schemas
// (external-secret-target.test.ts, destination.test.ts).

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { REPO_ROOT } from '../chart/helm-chart.ts';

type Schema = { properties?: Record<string, Schema>; 'x-kubernetes-validations'?: Rule[] };
type Rule = { rule: string; message: string; fieldPath?: string };

async function specSchema(file: string): Promise<Schema> {
  const crd = parse(await readFile(join(REPO_ROOT, 'crds', file), 'utf8'));
  return crd.spec.versions[0].schema.openAPIV3Schema.properties.spec;
}

function rulesAt(root: Schema, ...path: string[]): Rule[] {
  let node: Schema | undefined = root;
  for (const key of path) node = node?.properties?.[key];
  assert.ok(node, `no schema at spec.${path.join('.')}`);
  return node['x-kubernetes-validations'] ?? [];
}

const TARGET_RULES = [
  "!(has(self.deletionPolicy) && self.deletionPolicy == 'Delete' && has(self.creationPolicy) && self.creationPolicy in ['Merge', 'None'])",
  "!(has(self.deletionPolicy) && self.deletionPolicy == 'Merge' && has(self.creationPolicy) && self.creationPolicy == 'None')",
];
const DESTINATION_RULES = [
  '(has(self.create) && self.create) || !(has(self.overwrite) && self.overwrite)',
  '(has(self.create) && self.create) || (!has(self.labels) && !has(self.annotations) && !has(self.type))',
];
const PKI_RULES = ['!(has(self.clear) && self.clear) || (has(self.destination.create) && self.destination.create)'];

describe('ownership rules in the generated CRDs', () => {
  test('ExternalSecret target rejects the policy combinations ESO rejects (Delete+Merge, Delete+None, Merge+None)', async () => {
    const rules = rulesAt(await specSchema('external.lockstep.dev_externalsecrets.yaml'), 'target');
    assert.deepEqual(
      rules.map((r) => r.rule),
      TARGET_RULES,
    );
    assert.match(rules[0]?.message ?? '', /deletionPolicy Delete .* set creationPolicy Owner/);
    assert.match(rules[1]?.message ?? '', /deletionPolicy Merge .* creationPolicy None/);
    assert.ok(rules.every((r) => r.fieldPath === '.deletionPolicy'));
  });

  test('ClusterExternalSecret carries the same target rules into the ExternalSecrets it stamps out', async () => {
    const rules = rulesAt(
      await specSchema('external.lockstep.dev_clusterexternalsecrets.yaml'),
      'externalSecretSpec',
      'target',
    );
    assert.deepEqual(
      rules.map((r) => r.rule),
      TARGET_RULES,
    );
  });

  for (const file of [
    'vault.lockstep.dev_vaultstaticsecrets.yaml',
    'vault.lockstep.dev_vaultdynamicsecrets.yaml',
    'vault.lockstep.dev_vaultpkisecrets.yaml',
  ]) {
    test(`${file}: destination with create: false refuses overwrite, labels, annotations and type`, async () => {
      const rules = rulesAt(await specSchema(file), 'destination');
      assert.deepEqual(
        rules.map((r) => r.rule),
        DESTINATION_RULES,
      );
      assert.match(rules[0]?.message ?? '', /overwrite .* create: true/);
      assert.match(rules[1]?.message ?? '', /labels, annotations and type .* create: true/);
    });
  }

  test('VaultPKISecret clear needs a Secret created for it (destination.create)', async () => {
    const rules = (await specSchema('vault.lockstep.dev_vaultpkisecrets.yaml'))['x-kubernetes-validations'] ?? [];
    assert.deepEqual(
      rules.map((r) => r.rule),
      PKI_RULES,
    );
    assert.equal(rules[0]?.fieldPath, '.clear');
    assert.match(rules[0]?.message ?? '', /set destination\.create: true/);
  });
});
