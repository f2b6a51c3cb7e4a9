import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BackendError, type KubeAccess, type ProviderContext } from '@lockstep/core';
import type { FakeProvider as FakeProviderSpec } from '../../api/provider-fake.ts';
import { fakeClientKey, fakeProvider, validateFakeSpec } from './provider.ts';

const noKube = {} as KubeAccess;
const ctx: ProviderContext = {
  store: { kind: 'SecretStore', name: 'fake', namespace: 'ns' },
  namespace: 'ns',
  kube: noKube,
};
const spec: FakeProviderSpec = {
  data: [
    { key: '/db/password', value: 'v2' },
    { key: '/db/password', value: 'v1', version: 'v1' },
    { key: '/db/config', value: JSON.stringify({ host: 'pg', port: 5432, nested: { user: 'app' } }) },
    { key: '/app/token', value: 'tok' },
  ],
};
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const client = () => fakeProvider.newClient(spec, ctx);

describe('fake provider', () => {
  const reads: { name: string; ref: Parameters<Awaited<ReturnType<typeof client>>['getSecret']>[0]; want: string }[] = [
    { name: 'current value', ref: { key: '/db/password' }, want: 'v2' },
    { name: 'pinned version', ref: { key: '/db/password', version: 'v1' }, want: 'v1' },
    { name: 'property of a JSON value', ref: { key: '/db/config', property: 'host' }, want: 'pg' },
    { name: 'number property as text', ref: { key: '/db/config', property: 'port' }, want: '5432' },
    { name: 'nested property', ref: { key: '/db/config', property: 'nested.user' }, want: 'app' },
    { name: 'object property as JSON', ref: { key: '/db/config', property: 'nested' }, want: '{"user":"app"}' },
  ];
  for (const { name, ref, want } of reads) {
    test(`reads the ${name}`, async () => {
      assert.equal(text(await (await client()).getSecret(ref)), want);
    });
  }

  const failures = [
    { name: 'an unknown key', ref: { key: '/nope' }, errorClass: 'NotFound' },
    { name: 'an unknown version', ref: { key: '/db/password', version: 'v9' }, errorClass: 'NotFound' },
    { name: 'a missing property', ref: { key: '/db/config', property: 'nope' }, errorClass: 'InvalidInput' },
    { name: 'a property of a non-JSON value', ref: { key: '/app/token', property: 'x' }, errorClass: 'InvalidInput' },
  ];
  for (const { name, ref, errorClass } of failures) {
    test(`fails with ${errorClass} on ${name}`, async () => {
      await assert.rejects((await client()).getSecret(ref), (err: unknown) => {
        assert.ok(err instanceof BackendError);
        assert.equal(err.errorClass, errorClass);
        assert.equal(err.backend, 'fake');
        return true;
      });
    });
  }

  test('extracts a JSON value as a map', async () => {
    const map = await (await client()).getSecretMap({ key: '/db/config' });
    assert.deepEqual(Object.fromEntries(Object.entries(map).map(([k, v]) => [k, text(v)])), {
      host: 'pg',
      port: '5432',
      nested: '{"user":"app"}',
    });
    await assert.rejects((await client()).getSecretMap({ key: '/app/token' }), { errorClass: 'InvalidInput' });
  });

  test('finds unversioned keys by name regexp and path', async () => {
    const c = await client();
    assert.deepEqual(Object.keys(await c.getAllSecrets({ name: { regexp: '^/db/' } })).sort(), [
      '/db/config',
      '/db/password',
    ]);
    assert.deepEqual(Object.keys(await c.getAllSecrets({ name: { regexp: 'token' } })), ['/app/token']);
    assert.deepEqual(Object.keys(await c.getAllSecrets({ path: '/app/' })), ['/app/token']);
    await assert.rejects(c.getAllSecrets({}), { errorClass: 'InvalidInput' });
    assert.equal(text((await c.getAllSecrets({ name: { regexp: 'password' } }))['/db/password'] as Uint8Array), 'v2');
  });

  test('keeps pushed values in memory and deletes them', async () => {
    const c = await client();
    await c.pushSecret?.(Buffer.from('pw'), { remoteKey: 'pushed', property: 'password' });
    await c.pushSecret?.(Buffer.from('me'), { remoteKey: 'pushed', property: 'user' });
    assert.equal(text(await c.getSecret({ key: 'pushed', property: 'user' })), 'me');
    await c.deleteSecret?.({ remoteKey: 'pushed', property: 'user' });
    assert.deepEqual(JSON.parse(text(await c.getSecret({ key: 'pushed' }))), { password: 'pw' });
    await c.deleteSecret?.({ remoteKey: 'pushed', property: 'password' });
    await assert.rejects(c.getSecret({ key: 'pushed' }), { errorClass: 'NotFound' });
  });

  test('validates the spec and always answers ok', async () => {
    assert.deepEqual(validateFakeSpec(spec), []);
    assert.deepEqual(
      validateFakeSpec({
        data: [{ key: '', value: 'x' }, { key: 'a' }, { key: 'b', value: '1' }, { key: 'b', value: '2' }],
      }),
      [
        'spec.provider.fake.data[0].key is required',
        'spec.provider.fake.data[1].value is required',
        'spec.provider.fake.data[3] repeats key "b"',
      ],
    );
    assert.deepEqual(await (await client()).validate(), { ok: true });
  });

  test('equal data shares one client key', () => {
    const copy = JSON.parse(JSON.stringify(spec));
    assert.equal(fakeClientKey(spec), fakeClientKey(copy));
    assert.notEqual(fakeClientKey(spec), fakeClientKey({ data: [] }));
  });
});
