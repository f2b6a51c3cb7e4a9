// Store validation, client keys and error classification of the azurekv provider. The paths
// that need no Azure at all (an unreachable vault, an unreachable Entra ID) go through the
// real SDK against a closed loopback port.

import assert from 'node:assert/strict';
import * as net from 'node:net';
import { describe, test } from 'node:test';
import { AuthenticationError, CredentialUnavailableError } from '@azure/identity';
import { BackendError, type KubeAccess, type ProviderContext, type StoreRef } from '@lockstep/core';
import type { AzureKvProvider } from '../../api/provider-azurekv.ts';
import { keyVaultScope } from './azure-cloud.ts';
import { classifyAzureError } from './azure-errors.ts';
import { credentialFor } from './credential.ts';
import { jwkJson, sdkKeyVaultApi } from './key-vault-api.ts';
import { azureKvClientKey, createAzureKvProvider, validateAzureKvSpec } from './provider.ts';

const ns: StoreRef = { kind: 'SecretStore', name: 'azure', namespace: 'team-a' };
const cluster: StoreRef = { kind: 'ClusterSecretStore', name: 'azure' };
const sp: AzureKvProvider = {
  vaultUrl: 'https://my-vault.vault.azure.net',
  tenantId: '2ed1d494-6c5a-4c5d-aa24-479446fb844d',
  authSecretRef: {
    clientId: { name: 'azure-secret-sp', key: 'ClientID' },
    clientSecret: { name: 'azure-secret-sp', key: 'ClientSecret' },
  },
};

describe('validateAzureKvSpec', () => {
  test('the ESO service principal store is valid', () => {
    assert.deepEqual(validateAzureKvSpec(sp, ns), []);
  });

  const rows: [string, AzureKvProvider, StoreRef, RegExp][] = [
    ['vaultUrl over http', { ...sp, vaultUrl: 'http://my-vault.vault.azure.net' }, ns, /vaultUrl must use https/],
    ['vaultUrl not a URL', { ...sp, vaultUrl: 'my-vault' }, ns, /is not a URL/],
    ['vaultUrl with a path', { ...sp, vaultUrl: 'https://v.vault.azure.net/secrets' }, ns, /without a path/],
    ['no tenant', { ...sp, tenantId: undefined }, ns, /tenantId is required/],
    ['no client id', { ...sp, authSecretRef: { clientSecret: { name: 's', key: 'k' } } }, ns, /clientId is required/],
    [
      'secret and certificate',
      { ...sp, authSecretRef: { ...sp.authSecretRef, clientCertificate: { name: 's', key: 'c' } } },
      ns,
      /only one of clientSecret and clientCertificate/,
    ],
    [
      'a key of another namespace',
      { ...sp, authSecretRef: { ...sp.authSecretRef, clientSecret: { name: 's', key: 'k', namespace: 'other' } } },
      ns,
      /cannot read other namespaces/,
    ],
    [
      'managed identity in a SecretStore',
      { vaultUrl: sp.vaultUrl, authType: 'ManagedIdentity' },
      ns,
      /namespaced SecretStore never may/,
    ],
    [
      'managed identity in a cluster store without the flag',
      { vaultUrl: sp.vaultUrl, authType: 'ManagedIdentity' },
      cluster,
      /--allow-cluster-store-ambient-credentials/,
    ],
    [
      'workload identity without clientId',
      { vaultUrl: sp.vaultUrl, authType: 'WorkloadIdentity', tenantId: 't', serviceAccountRef: { name: 'sa' } },
      ns,
      /does not read the ServiceAccount's azure\.workload\.identity\/client-id annotation/,
    ],
    [
      'identityId outside ManagedIdentity',
      { ...sp, identityId: 'x' },
      ns,
      /identityId applies to authType ManagedIdentity/,
    ],
    [
      'Azure Stack without custom cloud',
      { ...sp, environmentType: 'AzureStackCloud' },
      ns,
      /customCloudConfig is required/,
    ],
  ];
  for (const [name, spec, store, problem] of rows) {
    test(`refuses ${name}`, () => {
      const problems = validateAzureKvSpec(spec, store);
      assert.ok(
        problems.some((p) => problem.test(p)),
        `expected ${problem} in ${JSON.stringify(problems)}`,
      );
    });
  }

  test('managed identity in a ClusterSecretStore is allowed with the opt-in flag', () => {
    const spec: AzureKvProvider = { vaultUrl: sp.vaultUrl, authType: 'ManagedIdentity', identityId: 'client-id' };
    assert.deepEqual(validateAzureKvSpec(spec, cluster, { allowClusterStoreAmbientCredentials: true }), []);
  });

  test('workload identity with a service account and ids in a Secret is valid', () => {
    const spec: AzureKvProvider = {
      vaultUrl: sp.vaultUrl,
      authType: 'WorkloadIdentity',
      serviceAccountRef: { name: 'workload-identity-sa' },
      authSecretRef: { clientId: { name: 'ids', key: 'clientId' }, tenantId: { name: 'ids', key: 'tenantId' } },
    };
    assert.deepEqual(validateAzureKvSpec(spec, ns), []);
  });
});

describe('azureKvClientKey', () => {
  const ctx = (namespace: string, store: StoreRef = cluster) => ({ store, namespace }) as ProviderContext;

  test('a cluster store reading credentials from the ExternalSecret namespace gets one client per namespace', () => {
    assert.notEqual(azureKvClientKey(sp, ctx('a')), azureKvClientKey(sp, ctx('b')));
  });

  test('key order of the spec does not change the key', () => {
    const reordered = {
      authSecretRef: sp.authSecretRef,
      tenantId: sp.tenantId,
      vaultUrl: sp.vaultUrl,
    } as AzureKvProvider;
    assert.equal(azureKvClientKey(sp, ctx('a', ns)), azureKvClientKey(reordered, ctx('a', ns)));
  });
});

describe('classifyAzureError', () => {
  const rest = (statusCode: number, code: string, headers: Record<string, string> = {}) =>
    Object.assign(new Error(`${code} from Key Vault`), {
      name: 'RestError',
      statusCode,
      code,
      response: { headers: { get: (h: string) => headers[h] } },
    });

  test('404 is NotFound, 401/403 Forbidden with the fix, 429 Throttled with Retry-After, 5xx Unavailable', () => {
    assert.equal(classifyAzureError(rest(404, 'SecretNotFound'), 'secret "a"').errorClass, 'NotFound');
    const forbidden = classifyAzureError(rest(403, 'Forbidden'), 'secret "a"');
    assert.equal(forbidden.errorClass, 'Forbidden');
    assert.match(forbidden.message, /grant the identity get\/list permission/);
    const throttled = classifyAzureError(rest(429, 'Throttled', { 'retry-after': '7' }), 'secret "a"');
    assert.equal(throttled.errorClass, 'Throttled');
    assert.equal(throttled.retryAfterMs, 7000);
    assert.equal(classifyAzureError(rest(503, 'ServiceUnavailable'), 'secret "a"').errorClass, 'Unavailable');
  });

  test('Entra ID refusing the login is Forbidden; Entra ID failing is Unavailable; no credential is Forbidden', () => {
    const refused = new AuthenticationError(401, { error: 'invalid_client', error_description: 'bad secret' });
    assert.equal(classifyAzureError(refused, 'the store').errorClass, 'Forbidden');
    const down = new AuthenticationError(503, { error: 'temporarily_unavailable', error_description: 'later' });
    assert.equal(classifyAzureError(down, 'the store').errorClass, 'Unavailable');
    const none = new CredentialUnavailableError('ManagedIdentityCredential: no endpoint');
    assert.match(classifyAzureError(none, 'the store').message, /no credential could be obtained/);
  });

  test('our own error wrapped by the SDK comes back as it was raised', () => {
    const own = new BackendError('InvalidInput', 'azurekv', 'Secret "azure-secret-sp" missing');
    assert.equal(classifyAzureError(Object.assign(new Error('wrapped'), { cause: own }), 'x'), own);
  });
});

describe('through the real SDK, without Azure', () => {
  async function closedPort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }
  const kube = {
    readSecretKey: async (_ns: string, ref: { key: string }) => Buffer.from(`value-of-${ref.key}\n`),
  } as unknown as KubeAccess;

  test('an unreachable vaultUrl is Unavailable and names the vault', async () => {
    const vaultUrl = `https://127.0.0.1:${await closedPort()}`;
    const credential = { getToken: async () => ({ token: 'unused', expiresOnTimestamp: Date.now() + 60_000 }) };
    const api = sdkKeyVaultApi(vaultUrl, credential, { maxRetries: 0, disableChallengeResourceVerification: true });
    const err = await api.getSecret('db').then(
      () => assert.fail('expected a failure'),
      (e: unknown) => classifyAzureError(e, `secret "db" in ${vaultUrl}`),
    );
    assert.equal(err.errorClass, 'Unavailable');
    assert.match(err.message, /unreachable or failing for secret "db" in https:\/\/127\.0\.0\.1:\d+.*check vaultUrl/);
  });

  test('a service principal whose Entra ID endpoint is unreachable is Unavailable, without its secret in the message', async () => {
    const spec: AzureKvProvider = {
      ...sp,
      customCloudConfig: { activeDirectoryEndpoint: `https://127.0.0.1:${await closedPort()}` },
    };
    const calls: string[] = [];
    const credential = credentialFor(
      spec,
      { store: ns, namespace: 'team-a', kube },
      { onCall: (o, r) => calls.push(`${o}:${r}`) },
    );
    const err = await credential.getToken(keyVaultScope(spec)).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof BackendError);
    assert.equal(err.errorClass, 'Unavailable');
    assert.match(err.message, /Entra ID unreachable.*activeDirectoryEndpoint/);
    assert.equal(calls.length, 1);
    assert.ok(!err.message.includes('value-of-ClientSecret'), 'the client secret must not reach the message');
  });

  test('newClient refuses the ambient identity even when validateSpec was skipped', async () => {
    const provider = createAzureKvProvider();
    const spec: AzureKvProvider = { vaultUrl: sp.vaultUrl, authType: 'ManagedIdentity' };
    await assert.rejects(provider.newClient(spec, { store: ns, namespace: 'team-a', kube }), /never may/);
  });
});

describe('jwkJson', () => {
  test('writes ESO field names and unpadded base64url bytes', () => {
    const json = jwkJson({
      kid: 'https://v/keys/k/1',
      kty: 'RSA',
      keyOps: ['verify'],
      n: new Uint8Array([251, 255]),
      e: new Uint8Array([1, 0, 1]),
    });
    assert.deepEqual(json, { kid: 'https://v/keys/k/1', kty: 'RSA', key_ops: ['verify'], n: '-_8', e: 'AQAB' });
  });
});
