import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { driftedFiles, GENERATED_HEADER, renderCrds } from './render-crds.ts';

const crdsDir = resolve(import.meta.dirname, '../../../../crds');

test('crds/ matches the TypeBox schemas (run `make manifests` when this fails)', async () => {
  assert.deepEqual(await driftedFiles(crdsDir), []);
});

test('a hand edit of a generated CRD is reported as drift', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-crds-'));
  try {
    await cp(crdsDir, dir, { recursive: true });
    const file = join(dir, 'external.lockstep.dev_externalsecrets.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('default: 1h', 'default: 2h'));
    await writeFile(join(dir, 'external.lockstep.dev_removedkinds.yaml'), `${GENERATED_HEADER}kind: Stale\n`);
    assert.deepEqual(await driftedFiles(dir), [
      'external.lockstep.dev_externalsecrets.yaml',
      'external.lockstep.dev_removedkinds.yaml',
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('every generated file starts with the do-not-edit header and is named <group>_<plural>.yaml', () => {
  for (const r of renderCrds()) {
    assert.ok(r.yaml.startsWith(GENERATED_HEADER), r.file);
    assert.equal(r.file, `${r.source.group}_${r.source.plural}.yaml`);
  }
});

test('generate-crds --check exits 1 and names the drifted file', async () => {
  const { spawnSync } = await import('node:child_process');
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-crds-'));
  try {
    await cp(crdsDir, dir, { recursive: true });
    await rm(join(dir, 'vault.lockstep.dev_vaultauths.yaml'));
    const script = join(import.meta.dirname, 'generate-crds.ts');
    const check = spawnSync(process.execPath, [script, '--check', '--dir', dir], { encoding: 'utf8' });
    assert.equal(check.status, 1);
    assert.match(check.stderr, /vault\.lockstep\.dev_vaultauths\.yaml/);
    const write = spawnSync(process.execPath, [script, '--dir', dir], { encoding: 'utf8' });
    assert.equal(write.status, 0, write.stderr);
    assert.equal(spawnSync(process.execPath, [script, '--check', '--dir', dir]).status, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
