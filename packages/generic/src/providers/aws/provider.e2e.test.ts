// The aws provider against moto (the peer the global setup starts). Every secret name
// carries this file's unique prefix: files run in parallel and moto is never reset.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { BackendError, type KubeAccess, type ProviderContext, type SecretsClient } from '@lockstep/core';
import { requirePeerEnv } from '@lockstep/sandbox';
import type { AwsProvider as AwsProviderSpec } from '../../api/provider-aws.ts';
import type { CallResult } from '../call-observer.ts';
import { awsClientKey, createAwsProvider, validateAwsSpec } from './provider.ts';

const env = requirePeerEnv('moto');
const region = env.AWS_REGION as string;
const prefix = `lockstep-aws-test-${randomUUID().slice(0, 8)}`;
const admin = new SecretsManagerClient({ region });
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

/** The default-chain store never touches Kubernetes; any use would be a bug. */
const noKube: KubeAccess = {
  readSecret: () => Promise.reject(new Error('unexpected Kubernetes read')),
  readSecretKey: () => Promise.reject(new Error('unexpected Kubernetes read')),
  readConfigMapKey: () => Promise.reject(new Error('unexpected Kubernetes read')),
  requestServiceAccountToken: () => Promise.reject(new Error('unexpected TokenRequest')),
  readSecretWithLabels: () => Promise.reject(new Error('unexpected Kubernetes read')),
};
const ctx: ProviderContext = {
  store: { kind: 'SecretStore', name: 'aws', namespace: 'team-a' },
  namespace: 'team-a',
  kube: noKube,
};
/** The reads below use the process's own AWS keys: only a ClusterSecretStore may, and only when allowed. */
const ambientCtx: ProviderContext = {
  store: { kind: 'ClusterSecretStore', name: 'aws' },
  namespace: 'team-a',
  kube: noKube,
};
const spec: AwsProviderSpec = { service: 'SecretsManager', region };

async function create(name: string, value: { SecretString: string } | { SecretBinary: Uint8Array }, tags = {}) {
  const out = await admin.send(
    new CreateSecretCommand({
      Name: `${prefix}/${name}`,
      ...value,
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value: String(Value) })),
    }),
  );
  return out.VersionId as string;
}

function recordingClient(opts: { listPageSize?: number } = {}) {
  const calls: { operation: string; result: CallResult }[] = [];
  const provider = createAwsProvider({
    onCall: (operation, result) => calls.push({ operation, result }),
    allowClusterStoreAmbientCredentials: true,
    ...opts,
  });
  const count = (operation: string) => calls.filter((c) => c.operation === operation).length;
  return { provider, calls, count, client: provider.newClient(spec, ambientCtx) };
}

const clients: SecretsClient[] = [];
async function open(opts: { listPageSize?: number } = {}) {
  const r = recordingClient(opts);
  const client = await r.client;
  clients.push(client);
  return { ...r, client };
}

before(async () => {
  await create('plain', { SecretString: 'hunter2' });
  await create('json', {
    SecretString: JSON.stringify({ user: 'app', db: { host: 'pg', port: 5432 }, 'tls.crt': 'CERT', tags: ['a'] }),
  });
  await create('binary', { SecretBinary: new Uint8Array([0, 1, 2, 255]) });
  for (let i = 0; i < 5; i++)
    await create(`team/svc-${i}`, { SecretString: `svc-${i}` }, { team: i < 3 ? 'blue' : 'red' });
  await create('other/svc-x', { SecretString: 'x' }, { team: 'blue' });
});

after(async () => {
  for (const client of clients) await client.close();
  admin.destroy();
});

describe('aws provider reads', () => {
  test('reads a string secret, a JSON property and a JSON secret as a map', async () => {
    const { client } = await open();
    assert.equal(text(await client.getSecret({ key: `${prefix}/plain` })), 'hunter2');
    assert.equal(text(await client.getSecret({ key: `${prefix}/json`, property: 'user' })), 'app');
    assert.equal(text(await client.getSecret({ key: `${prefix}/json`, property: 'db.host' })), 'pg');
    assert.equal(text(await client.getSecret({ key: `${prefix}/json`, property: 'db.port' })), '5432');
    assert.equal(text(await client.getSecret({ key: `${prefix}/json`, property: 'tls.crt' })), 'CERT');
    assert.equal(text(await client.getSecret({ key: `${prefix}/json`, property: 'db' })), '{"host":"pg","port":5432}');
    const map = await client.getSecretMap({ key: `${prefix}/json` });
    assert.deepEqual(Object.fromEntries(Object.entries(map).map(([k, v]) => [k, text(v)])), {
      user: 'app',
      db: '{"host":"pg","port":5432}',
      'tls.crt': 'CERT',
      tags: '["a"]',
    });
  });

  test('a missing property is invalid input, not a missing secret', async () => {
    const { client } = await open();
    await assert.rejects(client.getSecret({ key: `${prefix}/json`, property: 'nope' }), (err: unknown) => {
      assert.ok(err instanceof BackendError);
      assert.equal(err.errorClass, 'InvalidInput');
      assert.match(err.message, /property "nope" does not exist/);
      return true;
    });
  });

  test('returns a binary secret byte for byte', async () => {
    const { client } = await open();
    assert.deepEqual([...(await client.getSecret({ key: `${prefix}/binary` }))], [0, 1, 2, 255]);
  });

  test('reads older versions by staging label and by uuid/ version id', async () => {
    const key = `${prefix}/versioned`;
    const v1 = await create('versioned', { SecretString: 'one' });
    await admin.send(new PutSecretValueCommand({ SecretId: key, SecretString: 'two' }));
    await admin.send(new PutSecretValueCommand({ SecretId: key, SecretString: 'three', VersionStages: ['CANARY'] }));
    const { client, count } = await open();
    assert.equal(text(await client.getSecret({ key })), 'two');
    assert.equal(text(await client.getSecret({ key, version: 'AWSCURRENT' })), 'two');
    assert.equal(text(await client.getSecret({ key, version: 'AWSPREVIOUS' })), 'one');
    assert.equal(text(await client.getSecret({ key, version: 'CANARY' })), 'three');
    assert.equal(text(await client.getSecret({ key, version: `uuid/${v1}` })), 'one');
    // Pinned reads go single; current reads are batched.
    assert.equal(count('GetSecretValue'), 3);
    assert.equal(count('BatchGetSecretValue'), 2);
  });

  test('a missing secret is NotFound, keyed off the error name', async () => {
    const { client } = await open();
    for (const version of [undefined, 'AWSPREVIOUS']) {
      await assert.rejects(
        client.getSecret({ key: `${prefix}/does-not-exist`, ...(version ? { version } : {}) }),
        (err: unknown) => {
          assert.ok(err instanceof BackendError);
          assert.equal(err.errorClass, 'NotFound');
          assert.equal(err.backend, 'aws');
          assert.match(err.message, /secret "[^"]*\/does-not-exist".* not found/);
          return true;
        },
      );
    }
  });
});

describe('aws provider batching', () => {
  test('50 concurrent reads of 5 keys become one BatchGetSecretValue call', async () => {
    const { client, count } = await open();
    const reads = Array.from({ length: 50 }, (_, i) => client.getSecret({ key: `${prefix}/team/svc-${i % 5}` }));
    const values = (await Promise.all(reads)).map(text);
    assert.deepEqual(
      values,
      Array.from({ length: 50 }, (_, i) => `svc-${i % 5}`),
    );
    assert.equal(count('BatchGetSecretValue'), 1);
    assert.equal(count('GetSecretValue'), 0);
  });

  test('45 distinct concurrent reads need at most one call per 20 ids', async () => {
    const names = Array.from({ length: 45 }, (_, i) => `bulk-${i}`);
    await Promise.all(names.map((n) => create(n, { SecretString: n })));
    const { client, count } = await open();
    const values = await Promise.all(names.map((n) => client.getSecret({ key: `${prefix}/${n}` })));
    assert.deepEqual(values.map(text), names);
    assert.ok(count('BatchGetSecretValue') <= Math.ceil(45 / 20), `got ${count('BatchGetSecretValue')} calls`);
  });

  test('a missing secret in a batch fails only its own read', async () => {
    const { client, count } = await open();
    const [found, missing, mapped] = await Promise.allSettled([
      client.getSecret({ key: `${prefix}/plain` }),
      client.getSecret({ key: `${prefix}/gone` }),
      client.getSecretMap({ key: `${prefix}/json` }),
    ]);
    assert.equal(found.status, 'fulfilled');
    assert.equal(text(found.value), 'hunter2');
    assert.equal(mapped.status, 'fulfilled');
    assert.equal(missing.status, 'rejected');
    assert.ok(missing.reason instanceof BackendError);
    assert.equal(missing.reason.errorClass, 'NotFound');
    assert.equal(count('BatchGetSecretValue'), 1);
  });
});

describe('aws provider find', () => {
  const names = (map: Record<string, Uint8Array>) => Object.keys(map).sort();

  test('finds by name regexp across several ListSecrets pages', async () => {
    const { client, count } = await open({ listPageSize: 2 });
    const found = await client.getAllSecrets({ name: { regexp: `^${prefix}/team/svc-[0-3]$` } });
    assert.deepEqual(
      names(found),
      [0, 1, 2, 3].map((i) => `${prefix}/team/svc-${i}`),
    );
    assert.equal(text(found[`${prefix}/team/svc-2`] as Uint8Array), 'svc-2');
    assert.ok(count('ListSecrets') > 1, 'expected more than one page');
  });

  test('finds by tags, matching key and value of the same tag', async () => {
    const { client } = await open({ listPageSize: 2 });
    const found = await client.getAllSecrets({ tags: { team: 'blue' }, name: { regexp: `^${prefix}/` } });
    assert.deepEqual(names(found), [
      `${prefix}/other/svc-x`,
      `${prefix}/team/svc-0`,
      `${prefix}/team/svc-1`,
      `${prefix}/team/svc-2`,
    ]);
  });

  test('finds by path prefix', async () => {
    const { client } = await open({ listPageSize: 3 });
    const found = await client.getAllSecrets({ path: `${prefix}/team/` });
    assert.deepEqual(
      names(found),
      [0, 1, 2, 3, 4].map((i) => `${prefix}/team/svc-${i}`),
    );
    const blue = await client.getAllSecrets({ path: `${prefix}/team/`, tags: { team: 'red' } });
    assert.deepEqual(names(blue), [`${prefix}/team/svc-3`, `${prefix}/team/svc-4`]);
  });

  test('an invalid regexp, or no criteria at all, is invalid input', async () => {
    const { client, count } = await open();
    await assert.rejects(client.getAllSecrets({ name: { regexp: '([' } }), { errorClass: 'InvalidInput' });
    await assert.rejects(client.getAllSecrets({}), { errorClass: 'InvalidInput' });
    assert.equal(count('ListSecrets'), 0);
  });
});

describe('aws provider push', () => {
  test('creates, updates a property of, and deletes a pushed secret', async () => {
    const { client, count } = await open();
    const remoteKey = `${prefix}/pushed`;
    await client.pushSecret?.(Buffer.from('s3cr3t'), { remoteKey, property: 'password' });
    await client.pushSecret?.(Buffer.from('admin'), { remoteKey, property: 'user' });
    assert.deepEqual(JSON.parse(text(await client.getSecret({ key: remoteKey }))), {
      password: 's3cr3t',
      user: 'admin',
    });
    const tags = (await admin.send(new DescribeSecretCommand({ SecretId: remoteKey }))).Tags;
    assert.deepEqual(tags, [{ Key: 'managed-by', Value: 'lockstep' }]);

    const puts = count('PutSecretValue');
    await client.pushSecret?.(Buffer.from('admin'), { remoteKey, property: 'user' });
    assert.equal(count('PutSecretValue'), puts, 'an unchanged value is not written again');

    await client.deleteSecret?.({ remoteKey, property: 'password' });
    assert.deepEqual(JSON.parse(text(await client.getSecret({ key: remoteKey }))), { user: 'admin' });
    await client.deleteSecret?.({ remoteKey, property: 'user' });
    await assert.rejects(client.getSecret({ key: remoteKey }), (err: unknown) => err instanceof BackendError);
  });

  test('refuses to push a property into a binary secret', async () => {
    const { client } = await open();
    await assert.rejects(
      client.pushSecret?.(Buffer.from('x'), { remoteKey: `${prefix}/binary`, property: 'p' }) as Promise<void>,
      {
        errorClass: 'InvalidInput',
      },
    );
  });

  test('refuses to overwrite a secret Lockstep did not create', async () => {
    await create('foreign', { SecretString: 'theirs' });
    const { client } = await open();
    await assert.rejects(
      client.pushSecret?.(Buffer.from('ours'), { remoteKey: `${prefix}/foreign` }) as Promise<void>,
      {
        errorClass: 'InvalidInput',
      },
    );
    await client.deleteSecret?.({ remoteKey: `${prefix}/foreign` });
    assert.equal(text(await client.getSecret({ key: `${prefix}/foreign` })), 'theirs');
  });
});

describe('aws store spec', () => {
  const store = { kind: 'SecretStore' as const, name: 's', namespace: 'team-a' };

  test('validate() answers ok when the default credential chain resolves', async () => {
    const { client } = await open();
    assert.deepEqual(await client.validate(), { ok: true });
  });

  test('says what to fix in a bad spec', () => {
    const problems = validateAwsSpec(
      {
        service: 'KeyVault' as 'SecretsManager',
        region: '',
        role: 'not-an-arn',
        auth: {
          secretRef: {
            accessKeyIDSecretRef: { name: 'creds', key: 'id', namespace: 'other' },
            secretAccessKeySecretRef: { name: 'creds', key: '' },
          },
        },
      },
      store,
    );
    assert.deepEqual(problems, [
      'spec.provider.aws.service must be SecretsManager or ParameterStore (got "KeyVault")',
      'spec.provider.aws.region is required',
      'spec.provider.aws.role must be an IAM role ARN like arn:aws:iam::123456789012:role/name',
      'spec.provider.aws.auth.secretRef.accessKeyIDSecretRef.namespace must be empty or "team-a": a SecretStore cannot read other namespaces',
      'spec.provider.aws.auth.secretRef.secretAccessKeySecretRef.key is required',
    ]);
    const withKeys = {
      secretRef: {
        accessKeyIDSecretRef: { name: 'creds', key: 'id' },
        secretAccessKeySecretRef: { name: 'creds', key: 'secret' },
      },
    };
    assert.deepEqual(validateAwsSpec({ service: 'SecretsManager', region: 'eu-west-1', auth: withKeys }, store), []);
  });

  test('jwt auth needs the role it assumes', () => {
    const problems = validateAwsSpec(
      { service: 'SecretsManager', region: 'eu-west-1', auth: { jwt: { serviceAccountRef: { name: 'app' } } } },
      store,
    );
    assert.deepEqual(problems, [
      'spec.provider.aws.role is required with auth.jwt: it is the role assumed with the token',
    ]);
  });

  test('client keys are equal for equal configurations and differ per credential namespace', () => {
    const withKeys: AwsProviderSpec = {
      region: 'eu-west-1',
      service: 'SecretsManager',
      auth: {
        secretRef: {
          accessKeyIDSecretRef: { name: 'c', key: 'id' },
          secretAccessKeySecretRef: { name: 'c', key: 'secret' },
        },
      },
    };
    const reordered = JSON.parse(
      JSON.stringify({ auth: withKeys.auth, service: 'SecretsManager', region: 'eu-west-1' }),
    );
    assert.equal(awsClientKey(withKeys, ctx), awsClientKey(reordered, ctx));
    assert.notEqual(awsClientKey(withKeys, ctx), awsClientKey(withKeys, { ...ctx, namespace: 'team-b' }));
    assert.notEqual(awsClientKey(withKeys, ctx), awsClientKey({ ...withKeys, region: 'us-east-1' }, ctx));
  });

  test('a cluster store whose credentials name their namespace shares one client across namespaces', () => {
    const cluster = (namespace: string): ProviderContext => ({
      store: { kind: 'ClusterSecretStore', name: 'aws' },
      namespace,
      kube: noKube,
    });
    const pinned: AwsProviderSpec = {
      service: 'SecretsManager',
      region: 'eu-west-1',
      auth: {
        secretRef: {
          accessKeyIDSecretRef: { name: 'c', key: 'id', namespace: 'infra' },
          secretAccessKeySecretRef: { name: 'c', key: 'secret', namespace: 'infra' },
        },
      },
    };
    assert.equal(awsClientKey(pinned, cluster('team-a')), awsClientKey(pinned, cluster('team-b')));
    // Referent auth: the keys come from each ExternalSecret's namespace, so each gets its own client.
    const referent: AwsProviderSpec = {
      ...pinned,
      auth: {
        secretRef: {
          accessKeyIDSecretRef: { name: 'c', key: 'id' },
          secretAccessKeySecretRef: { name: 'c', key: 'secret' },
        },
      },
    };
    assert.notEqual(awsClientKey(referent, cluster('team-a')), awsClientKey(referent, cluster('team-b')));
  });
});

describe("the controller's own AWS identity", () => {
  const namespaced = { kind: 'SecretStore' as const, name: 's', namespace: 'team-a' };
  const cluster = { kind: 'ClusterSecretStore' as const, name: 'shared' };
  const role = 'arn:aws:iam::123456789012:role/anything-that-trusts-the-controller';

  test('a SecretStore without auth is refused, even when cluster stores may use it', async () => {
    const provider = createAwsProvider({ allowClusterStoreAmbientCredentials: true });
    for (const ambient of [spec, { ...spec, role }]) {
      const problems = provider.validateSpec(ambient, namespaced);
      assert.equal(problems.length, 1);
      assert.match(problems[0] as string, /auth is required in a SecretStore: set auth\.secretRef .* or auth\.jwt/);
      // The client itself refuses too, before any AWS call: no read can borrow the identity.
      await assert.rejects(
        provider.newClient(ambient, ctx),
        (err: unknown) => err instanceof BackendError && err.errorClass === 'InvalidInput',
      );
    }
  });

  test('a ClusterSecretStore without auth is refused unless the controller allows it', async () => {
    const strict = createAwsProvider();
    assert.match(
      strict.validateSpec(spec, cluster).join('; '),
      /set auth\.secretRef or auth\.jwt.*--allow-cluster-store-ambient-credentials/,
    );
    await assert.rejects(strict.newClient(spec, ambientCtx), /--allow-cluster-store-ambient-credentials/);

    const allowing = createAwsProvider({ allowClusterStoreAmbientCredentials: true });
    assert.deepEqual(allowing.validateSpec(spec, cluster), []);
    const client = await allowing.newClient(spec, ambientCtx);
    clients.push(client);
    assert.equal(text(await client.getSecret({ key: `${prefix}/plain` })), 'hunter2');
  });
});
