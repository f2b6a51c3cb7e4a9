// The aws provider with `service: ParameterStore` against moto (the peer the global setup
// starts). Every parameter lives under this file's unique hierarchy: files run in parallel
// and moto is never reset.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  AddTagsToResourceCommand,
  GetParameterCommand,
  LabelParameterVersionCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { BackendError, type KubeAccess, type ProviderContext, type SecretsClient } from '@lockstep/core';
import { requirePeerEnv } from '@lockstep/sandbox';
import type { AwsProvider as AwsProviderSpec } from '../../api/provider-aws.ts';
import type { CallResult } from '../call-observer.ts';
import { createAwsProvider } from './provider.ts';

const env = requirePeerEnv('moto');
// moto serves every AWS service on one port; the SDK takes the SSM endpoint from this variable.
process.env.AWS_ENDPOINT_URL_SSM ??= env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
const region = env.AWS_REGION as string;
const root = `/lockstep-ssm-test-${randomUUID().slice(0, 8)}`;
const admin = new SSMClient({ region });
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

const noKube: KubeAccess = {
  readSecret: () => Promise.reject(new Error('unexpected Kubernetes read')),
  readSecretKey: () => Promise.reject(new Error('unexpected Kubernetes read')),
  readConfigMapKey: () => Promise.reject(new Error('unexpected Kubernetes read')),
  requestServiceAccountToken: () => Promise.reject(new Error('unexpected TokenRequest')),
  readSecretWithLabels: () => Promise.reject(new Error('unexpected Kubernetes read')),
};
/** The reads below use the process's own AWS keys: a ClusterSecretStore allowed to. */
const ctx: ProviderContext = { store: { kind: 'ClusterSecretStore', name: 'ssm' }, namespace: 'team-a', kube: noKube };
const spec: AwsProviderSpec = { service: 'ParameterStore', region };

async function put(name: string, value: string, opts: { type?: 'String' | 'SecureString'; tags?: object } = {}) {
  const tags = Object.entries(opts.tags ?? {}).map(([Key, Value]) => ({ Key, Value: String(Value) }));
  await admin.send(
    new PutParameterCommand({
      Name: `${root}/${name}`,
      Value: value,
      Type: opts.type ?? 'String',
      ...(tags.length > 0 ? { Tags: tags } : { Overwrite: true }),
    }),
  );
}

const clients: SecretsClient[] = [];
async function open(specOverrides: Partial<AwsProviderSpec> = {}) {
  const calls: { operation: string; result: CallResult }[] = [];
  const provider = createAwsProvider({
    onCall: (operation, result) => calls.push({ operation, result }),
    allowClusterStoreAmbientCredentials: true,
  });
  const client = await provider.newClient({ ...spec, ...specOverrides }, ctx);
  clients.push(client);
  const count = (operation: string) => calls.filter((c) => c.operation === operation).length;
  return { client, calls, count };
}

before(async () => {
  await put('plain', 'plain-value');
  await put('json', JSON.stringify({ user: 'app', db: { host: 'pg', port: 5432 }, 'tls.crt': 'CERT' }));
  await put('secure', 'ssm-Secure-Passw0rd', { type: 'SecureString' });
  for (let i = 0; i < 5; i++) await put(`team/svc-${i}`, `svc-${i}`, { tags: { team: i < 3 ? 'blue' : 'red' } });
  await put('team/deep/svc-x', 'deep', { tags: { team: 'blue' } });
  await put('other/svc-y', 'other', { tags: { team: 'blue' } });
});

after(async () => {
  for (const client of clients) await client.close();
  admin.destroy();
});

describe('parameter store reads', () => {
  test('reads a String, a decrypted SecureString, a JSON property and a JSON parameter as a map', async () => {
    const { client } = await open();
    assert.equal(text(await client.getSecret({ key: `${root}/plain` })), 'plain-value');
    assert.equal(text(await client.getSecret({ key: `${root}/secure` })), 'ssm-Secure-Passw0rd');
    assert.equal(text(await client.getSecret({ key: `${root}/json`, property: 'db.host' })), 'pg');
    assert.equal(text(await client.getSecret({ key: `${root}/json`, property: 'tls.crt' })), 'CERT');
    const map = await client.getSecretMap({ key: `${root}/json` });
    assert.deepEqual(Object.fromEntries(Object.entries(map).map(([k, v]) => [k, text(v)])), {
      user: 'app',
      db: '{"host":"pg","port":5432}',
      'tls.crt': 'CERT',
    });
  });

  test('a property of a parameter that is not JSON says to remove remoteRef.property', async () => {
    const { client } = await open();
    await assert.rejects(client.getSecret({ key: `${root}/plain`, property: 'user' }), (err: unknown) => {
      assert.ok(err instanceof BackendError);
      assert.equal(err.errorClass, 'InvalidInput');
      assert.match(err.message, /is not JSON, so property "user" cannot be selected: remove remoteRef.property/);
      return true;
    });
  });

  test('reads a version by number and by label (name:N, name:label), as ESO', async () => {
    const key = `${root}/versioned`;
    await put('versioned', 'one');
    await put('versioned', 'two');
    await put('versioned', 'three');
    await admin.send(new LabelParameterVersionCommand({ Name: key, ParameterVersion: 2, Labels: ['stable'] }));
    const { client, count } = await open();
    assert.equal(text(await client.getSecret({ key })), 'three');
    assert.equal(text(await client.getSecret({ key, version: '1' })), 'one');
    assert.equal(text(await client.getSecret({ key, version: 'stable' })), 'two');
    // Pinned reads go single; the current read is batched.
    assert.equal(count('GetParameter'), 2);
    assert.equal(count('GetParameters'), 1);
    await assert.rejects(client.getSecret({ key, version: '9' }), { errorClass: 'NotFound' });
  });

  test('metadataPolicy Fetch reads the tags as JSON', async () => {
    const { client } = await open();
    const tags = await client.getSecret({ key: `${root}/team/svc-0`, metadataPolicy: 'Fetch' });
    assert.deepEqual(JSON.parse(text(tags)), { team: 'blue' });
  });

  test('a missing parameter is NotFound and names the region', async () => {
    const { client } = await open();
    await assert.rejects(client.getSecret({ key: `${root}/does-not-exist` }), (err: unknown) => {
      assert.ok(err instanceof BackendError);
      assert.equal(err.errorClass, 'NotFound');
      assert.equal(
        err.message,
        `AWS Parameter Store: parameter "${root}/does-not-exist" in region ${region} not found`,
      );
      return true;
    });
  });
});

describe('parameter store batching', () => {
  test('50 concurrent reads of 5 names become one GetParameters call', async () => {
    const { client, count } = await open();
    const reads = Array.from({ length: 50 }, (_, i) => client.getSecret({ key: `${root}/team/svc-${i % 5}` }));
    assert.deepEqual(
      (await Promise.all(reads)).map(text),
      Array.from({ length: 50 }, (_, i) => `svc-${i % 5}`),
    );
    assert.equal(count('GetParameters'), 1);
    assert.equal(count('GetParameter'), 0);
  });

  test('25 distinct concurrent reads need at most one call per 10 names', async () => {
    const names = Array.from({ length: 25 }, (_, i) => `bulk/p-${i}`);
    for (const n of names) await put(n, n);
    const { client, count } = await open();
    const values = await Promise.all(names.map((n) => client.getSecret({ key: `${root}/${n}` })));
    assert.deepEqual(values.map(text), names);
    assert.equal(count('GetParameters'), 3);
  });

  test('a missing parameter in a batch fails only its own read', async () => {
    const { client, count } = await open();
    const [found, missing] = await Promise.allSettled([
      client.getSecret({ key: `${root}/plain` }),
      client.getSecret({ key: `${root}/gone` }),
    ]);
    assert.equal(found.status, 'fulfilled');
    assert.equal(missing.status, 'rejected');
    assert.ok(missing.reason instanceof BackendError);
    assert.equal(missing.reason.errorClass, 'NotFound');
    assert.equal(count('GetParameters'), 1);
  });
});

describe('parameter store find', () => {
  const names = (map: Record<string, Uint8Array>) => Object.keys(map).sort();

  test('finds by path, recursively, with GetParametersByPath over several pages', async () => {
    const { client, count } = await open();
    const found = await client.getAllSecrets({ path: `${root}/team/` });
    assert.deepEqual(names(found), [`${root}/team/deep/svc-x`, ...[0, 1, 2, 3, 4].map((i) => `${root}/team/svc-${i}`)]);
    assert.equal(text(found[`${root}/team/svc-2`] as Uint8Array), 'svc-2');
    assert.equal(count('GetParametersByPath'), 1);
    const all = await client.getAllSecrets({ path: root });
    assert.ok(Object.keys(all).length > 10);
    assert.ok(count('GetParametersByPath') > 2, 'pages of 10');
  });

  test('finds by name regexp (decrypting SecureString), under a path or from the root', async () => {
    const { client } = await open();
    const found = await client.getAllSecrets({ name: { regexp: `^${root}/(team/svc-[0-1]|secure)$` } });
    assert.deepEqual(names(found), [`${root}/secure`, `${root}/team/svc-0`, `${root}/team/svc-1`]);
    assert.equal(text(found[`${root}/secure`] as Uint8Array), 'ssm-Secure-Passw0rd');
    const under = await client.getAllSecrets({ path: `${root}/team`, name: { regexp: 'svc-[34]$' } });
    assert.deepEqual(names(under), [`${root}/team/svc-3`, `${root}/team/svc-4`]);
  });

  test('finds by tags (and path), reading the values with batched GetParameters', async () => {
    const { client, count } = await open();
    const blue = await client.getAllSecrets({ path: root, tags: { team: 'blue' } });
    assert.deepEqual(names(blue), [
      `${root}/other/svc-y`,
      `${root}/team/deep/svc-x`,
      `${root}/team/svc-0`,
      `${root}/team/svc-1`,
      `${root}/team/svc-2`,
    ]);
    assert.equal(count('GetParameters'), 1);
    const red = await client.getAllSecrets({ path: `${root}/team`, tags: { team: 'red' }, name: { regexp: '4$' } });
    assert.deepEqual(names(red), [`${root}/team/svc-4`]);
  });

  test('a path that is not a hierarchy, an invalid regexp, or no criteria at all is invalid input', async () => {
    const { client, count } = await open();
    await assert.rejects(client.getAllSecrets({ path: 'team/' }), (err: unknown) => {
      assert.ok(err instanceof BackendError && err.errorClass === 'InvalidInput');
      assert.match(err.message, /Parameter Store paths start with "\/"/);
      return true;
    });
    await assert.rejects(client.getAllSecrets({ name: { regexp: '([' } }), { errorClass: 'InvalidInput' });
    await assert.rejects(client.getAllSecrets({}), { errorClass: 'InvalidInput' });
    assert.equal(count('GetParametersByPath') + count('DescribeParameters'), 0);
  });

  test('the store prefix is prepended to keys and to the find path', async () => {
    const { client } = await open({ prefix: `${root}/team/` });
    assert.equal(text(await client.getSecret({ key: 'svc-1' })), 'svc-1');
    const found = await client.getAllSecrets({ path: 'deep' });
    assert.deepEqual(names(found), [`${root}/team/deep/svc-x`]);
  });
});

describe('parameter store push', () => {
  const tagsOf = async (name: string) =>
    (await admin.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name }))).TagList;

  test('creates with the ownership tag, updates a property, writes nothing unchanged, deletes', async () => {
    const { client, count } = await open();
    const remoteKey = `${root}/pushed`;
    await client.pushSecret?.(Buffer.from('s3cr3t'), { remoteKey, property: 'password' });
    await client.pushSecret?.(Buffer.from('admin'), { remoteKey, property: 'user' });
    assert.deepEqual(JSON.parse(text(await client.getSecret({ key: remoteKey }))), {
      password: 's3cr3t',
      user: 'admin',
    });
    assert.deepEqual(await tagsOf(remoteKey), [{ Key: 'managed-by', Value: 'lockstep' }]);

    const puts = count('PutParameter');
    await client.pushSecret?.(Buffer.from('admin'), { remoteKey, property: 'user' });
    assert.equal(count('PutParameter'), puts, 'an unchanged value is not written again');

    await client.deleteSecret?.({ remoteKey, property: 'password' });
    assert.deepEqual(JSON.parse(text(await client.getSecret({ key: remoteKey }))), { user: 'admin' });
    await client.deleteSecret?.({ remoteKey, property: 'user' });
    await assert.rejects(client.getSecret({ key: remoteKey }), { errorClass: 'NotFound' });
  });

  test('an overwritten SecureString it created stays a SecureString', async () => {
    const { client } = await open();
    const remoteKey = `${root}/pushed-secure`;
    await client.pushSecret?.(Buffer.from('first'), { remoteKey });
    // A user turned it into a SecureString (same name, overwrite keeps the tags).
    await admin.send(
      new PutParameterCommand({ Name: remoteKey, Value: 'first', Type: 'SecureString', Overwrite: true }),
    );
    await client.pushSecret?.(Buffer.from('second'), { remoteKey });
    const { Parameter } = await admin.send(new GetParameterCommand({ Name: remoteKey, WithDecryption: true }));
    assert.equal(Parameter?.Type, 'SecureString');
    assert.equal(Parameter?.Value, 'second');
  });

  test('refuses to overwrite or delete a parameter Lockstep did not create', async () => {
    await put('foreign', 'theirs', { tags: { owner: 'someone' } });
    const { client } = await open();
    await assert.rejects(client.pushSecret?.(Buffer.from('ours'), { remoteKey: `${root}/foreign` }) as Promise<void>, {
      reason: 'RemoteSecretNotOwned',
    });
    await client.deleteSecret?.({ remoteKey: `${root}/foreign` });
    assert.equal(text(await client.getSecret({ key: `${root}/foreign` })), 'theirs');
    // A look-alike tag value is not ownership.
    await admin.send(
      new AddTagsToResourceCommand({
        ResourceType: 'Parameter',
        ResourceId: `${root}/foreign`,
        Tags: [{ Key: 'managed-by', Value: 'external-secrets' }],
      }),
    );
    await assert.rejects(client.pushSecret?.(Buffer.from('ours'), { remoteKey: `${root}/foreign` }) as Promise<void>, {
      reason: 'RemoteSecretNotOwned',
    });
  });

  test('refuses a binary value: Parameter Store holds text only', async () => {
    const { client } = await open();
    await assert.rejects(
      client.pushSecret?.(new Uint8Array([0xff, 0xfe, 0]), { remoteKey: `${root}/binary` }) as Promise<void>,
      { errorClass: 'InvalidInput' },
    );
  });
});

describe('parameter store spec', () => {
  test('validate() answers ok when the credentials resolve', async () => {
    const { client } = await open();
    assert.deepEqual(await client.validate(), { ok: true });
  });
});
