// How an aws store authenticates: keys from a Secret of the embedded API server, AssumeRole,
// and a TokenRequest token exchanged with AssumeRoleWithWebIdentity, all against moto. The
// process's own AWS keys are removed first, so only the store's credentials can work.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CoreV1Api } from '@kubernetes/client-node';
import { BackendError, createKubeAccess, type ProviderContext, type SecretsClient } from '@lockstep/core';
import { kubeConfigFromEnv, requirePeerEnv } from '@lockstep/sandbox';
import type { AwsProvider as AwsProviderSpec } from '../../api/provider-aws.ts';
import type { CallResult } from '../call-observer.ts';
import { createAwsProvider } from './provider.ts';

const env = requirePeerEnv('moto', 'apiserver');
const region = env.AWS_REGION as string;
const keys = { accessKeyId: env.AWS_ACCESS_KEY_ID as string, secretAccessKey: env.AWS_SECRET_ACCESS_KEY as string };
// The store's credentials only: no keys in the environment, no instance metadata lookups.
delete process.env.AWS_ACCESS_KEY_ID;
delete process.env.AWS_SECRET_ACCESS_KEY;
delete process.env.AWS_SESSION_TOKEN;
delete process.env.AWS_PROFILE;
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent';
process.env.AWS_CONFIG_FILE = '/nonexistent';
// STS lives at the same moto endpoint.
process.env.AWS_ENDPOINT_URL_STS = env.AWS_ENDPOINT_URL_SECRETS_MANAGER;

const admin = kubeConfigFromEnv();
const core = admin.makeApiClient(CoreV1Api);
const suffix = randomUUID().slice(0, 8);
const ns = `aws-auth-${suffix}`;
const secretName = `lockstep-aws-auth-${suffix}/db`;
const ctx: ProviderContext = {
  store: { kind: 'SecretStore', name: 'aws', namespace: ns },
  namespace: ns,
  kube: createKubeAccess(admin),
};
const role = 'arn:aws:iam::123456789012:role/lockstep-reader';
const calls: { operation: string; result: CallResult }[] = [];
const provider = createAwsProvider({ onCall: (operation, result) => calls.push({ operation, result }) });
const clients: SecretsClient[] = [];
async function open(spec: AwsProviderSpec) {
  const client = await provider.newClient(spec, ctx);
  clients.push(client);
  return client;
}

const withSecretKeys: AwsProviderSpec = {
  service: 'SecretsManager',
  region,
  auth: {
    secretRef: {
      accessKeyIDSecretRef: { name: 'aws-creds', key: 'access-key-id' },
      secretAccessKeySecretRef: { name: 'aws-creds', key: 'secret-access-key' },
    },
  },
};

before(async () => {
  const sm = new SecretsManagerClient({ region, credentials: keys });
  await sm.send(new CreateSecretCommand({ Name: secretName, SecretString: '{"password":"pw"}' }));
  sm.destroy();
  await core.createNamespace({ body: { metadata: { name: ns } } });
  await core.createNamespacedSecret({
    namespace: ns,
    body: {
      metadata: { name: 'aws-creds' },
      stringData: { 'access-key-id': keys.accessKeyId, 'secret-access-key': `${keys.secretAccessKey}\n` },
    },
  });
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'app' } } });
});

after(async () => {
  for (const client of clients) await client.close();
  await core.deleteNamespace({ name: ns }).catch(() => {});
});

describe('aws store credentials', () => {
  test('a cluster store allowed the default chain, with no keys in the environment, is not usable', async () => {
    // A namespaced store without auth is refused outright (provider.e2e.test.ts); a ClusterSecretStore
    // may use the controller's identity only when allowed, and here that identity has no keys.
    const ambient = createAwsProvider({ allowClusterStoreAmbientCredentials: true });
    const client = await ambient.newClient(
      { service: 'SecretsManager', region },
      { ...ctx, store: { kind: 'ClusterSecretStore', name: 'aws' } },
    );
    clients.push(client);
    const result = await client.validate();
    assert.equal(result.ok, false);
    await assert.rejects(client.getSecret({ key: secretName }), (err: unknown) => {
      assert.ok(err instanceof BackendError);
      assert.equal(err.errorClass, 'Forbidden');
      return true;
    });
  });

  test('reads with static keys from a Secret of the store namespace', async () => {
    const client = await open(withSecretKeys);
    assert.deepEqual(await client.validate(), { ok: true });
    assert.equal(Buffer.from(await client.getSecret({ key: secretName, property: 'password' })).toString(), 'pw');
  });

  test('a missing credential Secret is reported, not hidden', async () => {
    const spec: AwsProviderSpec = {
      ...withSecretKeys,
      auth: {
        secretRef: {
          accessKeyIDSecretRef: { name: 'absent', key: 'id' },
          secretAccessKeySecretRef: { name: 'absent', key: 'secret' },
        },
      },
    };
    const client = await open(spec);
    const result = await client.validate();
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.message, new RegExp(`Secret "absent" not found in namespace "${ns}"`));
  });

  test('assumes the store role on top of the static keys', async () => {
    const client = await open({ ...withSecretKeys, role });
    assert.equal(Buffer.from(await client.getSecret({ key: secretName, property: 'password' })).toString(), 'pw');
    assert.ok(calls.some((c) => c.operation === 'AssumeRole' && c.result === 'success'));
  });

  test('exchanges a TokenRequest token for the role with AssumeRoleWithWebIdentity', async () => {
    const client = await open({
      service: 'SecretsManager',
      region,
      role,
      auth: { jwt: { serviceAccountRef: { name: 'app' } } },
    });
    assert.equal(Buffer.from(await client.getSecret({ key: secretName, property: 'password' })).toString(), 'pw');
    assert.ok(calls.some((c) => c.operation === 'AssumeRoleWithWebIdentity' && c.result === 'success'));
  });

  test('a missing service account fails the web identity login with NotFound', async () => {
    const client = await open({
      service: 'SecretsManager',
      region,
      role,
      auth: { jwt: { serviceAccountRef: { name: 'ghost' } } },
    });
    await assert.rejects(client.getSecret({ key: secretName }), { errorClass: 'NotFound' });
  });
});
