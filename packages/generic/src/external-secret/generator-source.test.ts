import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackendError, type KubeAccess, ProviderRegistry } from '@lockstep/core';
import { fakeGenerator } from '../generators/fake.ts';
import { passwordGenerator } from '../generators/password.ts';
import { type GeneratorReader, generatorSource } from './generator-source.ts';

const kube = {} as KubeAccess;

function registry(): ProviderRegistry {
  const r = new ProviderRegistry();
  r.registerGenerator(passwordGenerator);
  r.registerGenerator(fakeGenerator);
  return r;
}

/** Generator objects by namespace/kind/name, as the API server would answer. */
function objects(specs: Record<string, unknown>): GeneratorReader & { reads: string[] } {
  const reads: string[] = [];
  const read = async (namespace: string, ref: { kind: string; name: string }) => {
    const id = `${namespace}/${ref.kind}/${ref.name}`;
    reads.push(id);
    if (!(id in specs)) {
      throw new BackendError('InvalidInput', 'kubernetes', `${ref.kind} "${ref.name}" not found: create it`);
    }
    return specs[id];
  };
  return Object.assign(read, { reads });
}

test('a registered generator runs with the spec of the object the ExternalSecret names', async () => {
  const read = objects({ 'apps/Fake/f': { data: { user: 'app' } } });
  const data = await generatorSource(registry(), read, kube)('apps', { kind: 'Fake', name: 'f' });
  assert.equal(Buffer.from(data.user ?? []).toString(), 'app');
  assert.deepEqual(read.reads, ['apps/Fake/f']);
});

test('a kind this controller did not register names the kinds it did, and reads nothing', async () => {
  const read = objects({});
  await assert.rejects(generatorSource(registry(), read, kube)('apps', { kind: 'VaultDynamicSecret', name: 'db' }), {
    errorClass: 'InvalidInput',
    message: 'generator kind VaultDynamicSecret is not enabled in this controller: use one of Fake, Password',
  });
  assert.deepEqual(read.reads, []);
});

test('an invalid generator spec says what to fix, and generates nothing', async () => {
  const read = objects({ 'apps/Password/p': { length: 4, digits: 3, symbols: 3 } });
  await assert.rejects(generatorSource(registry(), read, kube)('apps', { kind: 'Password', name: 'p' }), {
    errorClass: 'InvalidInput',
    message: /^Password "p": digits \(3\) \+ symbols \(3\) exceed length \(4\)/,
  });
});

test('a missing generator object is the reader’s error, passed on as is', async () => {
  await assert.rejects(generatorSource(registry(), objects({}), kube)('apps', { kind: 'Password', name: 'p' }), {
    errorClass: 'InvalidInput',
    message: 'Password "p" not found: create it',
  });
});
