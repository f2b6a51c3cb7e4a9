// Tenant boundaries through the real `lockstep` binary, started as a cluster administrator would
// start it with the chart's switches on: --allow-cluster-store-ambient-credentials,
// --controller-class blue and --refuse-insecure-transport. The process has the sandbox's AWS_*
// variables, so it HAS an ambient AWS identity (moto's): a namespaced store must still never get
// it. OpenBao listens on plain http, so every Vault address here is refused.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateSecretCommand, DeleteSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { motoFromEnv, requirePeerEnv, secretsManagerClient } from '@lockstep/sandbox';
import { type E2e, startE2e, userSecret, waitForReady } from '../testing/e2e-harness.ts';
import { clusterSecretStore, EXTERNAL, externalSecret, secretStore, VAULT } from '../testing/external-resources.ts';
import { waitFor } from '../testing/wait-for.ts';

describe('tenant identity and transport boundaries', () => {
  let e: E2e;
  let sm: SecretsManagerClient;
  let ns: string;
  let remoteName: string;
  const region = () => requirePeerEnv('moto').AWS_REGION as string;
  /** An aws provider with no auth: the SDK default chain, i.e. the controller's own identity. */
  const ambient = (extra: object = {}) => ({ aws: { service: 'SecretsManager', region: region(), ...extra } });
  const condition = async (
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    type: string,
  ) =>
    (
      (await e.get(apiVersion, kind, namespace, name))?.status?.conditions as Array<Record<string, string>> | undefined
    )?.find((c) => c.type === type);
  const warningReasons = async (namespace: string, name: string) =>
    (
      await e.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name},type=Warning` })
    ).items.map((ev) => ev.reason);

  before(async () => {
    sm = secretsManagerClient(motoFromEnv());
    e = await startE2e({
      file: 'tenancy',
      args: [
        '--enable-vault-native',
        '--allow-cluster-store-ambient-credentials',
        '--controller-class',
        'blue',
        '--refuse-insecure-transport',
      ],
    });
    ns = await e.namespace('tenant');
    remoteName = `${e.unique('ambient')}/api-key`;
    e.rememberSecretValues('ambient-api-key-0001');
    await sm.send(new CreateSecretCommand({ Name: remoteName, SecretString: 'ambient-api-key-0001' }));
  });
  after(async () => {
    await e?.stop();
    await sm?.send(new DeleteSecretCommand({ SecretId: remoteName, ForceDeleteWithoutRecovery: true })).catch(() => {});
    sm?.destroy();
  });

  test("a SecretStore without auth never gets the controller's AWS identity, even with the flag on", async () => {
    await e.apply(secretStore(ns, 'ambient', ambient()));
    await e.apply(
      secretStore(ns, 'ambient-role', ambient({ role: 'arn:aws:iam::123456789012:role/trusts-the-controller' })),
    );
    for (const name of ['ambient', 'ambient-role']) {
      const ready = await waitForReady(e, { kind: 'SecretStore', namespace: ns, name }, 'False');
      assert.match(
        ready.message ?? '',
        /set auth\.secretRef .* or auth\.jwt .*never uses the controller's own AWS identity/,
      );
    }
    await e.apply(
      externalSecret(ns, 'via-ambient', {
        secretStoreRef: { name: 'ambient' },
        refreshInterval: '1h',
        data: [{ secretKey: 'key', remoteRef: { key: remoteName } }],
      }),
    );
    const failed = await waitForReady(e, { kind: 'ExternalSecret', namespace: ns, name: 'via-ambient' }, 'False');
    assert.match(failed.message ?? '', /auth\.secretRef/);
    assert.equal(await e.secret(ns, 'via-ambient'), undefined, 'nothing was read with the borrowed identity');
  });

  test('a ClusterSecretStore without auth may use it, because the chart value allows it', async () => {
    const store = e.unique('ambient');
    await e.apply(clusterSecretStore(store, ambient()));
    await waitForReady(e, { kind: 'ClusterSecretStore', name: store }, 'True');
    await e.apply(
      externalSecret(ns, 'via-cluster-store', {
        secretStoreRef: { name: store, kind: 'ClusterSecretStore' },
        refreshInterval: '1h',
        data: [{ secretKey: 'key', remoteRef: { key: remoteName } }],
      }),
    );
    await waitForReady(e, { kind: 'ExternalSecret', namespace: ns, name: 'via-cluster-store' }, 'True');
    assert.deepEqual(await e.secret(ns, 'via-cluster-store'), { key: 'ambient-api-key-0001' });
  });

  test('stores of another --controller-class, and the ExternalSecrets using them, are left alone', async () => {
    const fake = { fake: { data: [{ key: 'k', value: 'class-value-1' }] } };
    const uses = (store: string) => ({
      secretStoreRef: { name: store },
      refreshInterval: '1h',
      data: [{ secretKey: 'k', remoteRef: { key: 'k' } }],
    });
    // Created first, so by the time the later objects are served these were seen too.
    await e.apply(secretStore(ns, 'red', fake, { controller: 'red' }));
    await e.apply(externalSecret(ns, 'red-user', uses('red')));
    await e.apply(secretStore(ns, 'blue', fake, { controller: 'blue' }));
    await e.apply(secretStore(ns, 'unclaimed', fake));
    await e.apply(externalSecret(ns, 'blue-user', uses('blue')));
    await e.apply(externalSecret(ns, 'unclaimed-user', uses('unclaimed')));
    await waitForReady(e, { kind: 'SecretStore', namespace: ns, name: 'blue' }, 'True');
    await waitForReady(e, { kind: 'SecretStore', namespace: ns, name: 'unclaimed' }, 'True');
    await waitForReady(e, { kind: 'ExternalSecret', namespace: ns, name: 'blue-user' }, 'True');
    await waitForReady(e, { kind: 'ExternalSecret', namespace: ns, name: 'unclaimed-user' }, 'True');

    assert.equal((await e.get(EXTERNAL, 'SecretStore', ns, 'red'))?.status, undefined, 'no status on a red store');
    assert.equal((await e.get(EXTERNAL, 'ExternalSecret', ns, 'red-user'))?.status, undefined);
    assert.equal(await e.secret(ns, 'red-user'), undefined);
    assert.deepEqual(await warningReasons(ns, 'red'), []);
  });

  test('an http:// Vault store is refused under --refuse-insecure-transport and flagged InsecureTransport', async () => {
    await userSecret(e, ns, 'vault-token', { token: 'not-a-real-token' });
    await e.apply(
      secretStore(ns, 'vault-http', {
        vault: {
          server: requirePeerEnv('openbao').BAO_ADDR,
          path: 'secret',
          version: 'v2',
          auth: { tokenSecretRef: { name: 'vault-token', key: 'token' } },
        },
      }),
    );
    const ready = await waitForReady(e, { kind: 'SecretStore', namespace: ns, name: 'vault-http' }, 'False');
    assert.match(ready.message ?? '', /plain http and this controller runs with --refuse-insecure-transport/);
    const insecure = await condition(EXTERNAL, 'SecretStore', ns, 'vault-http', 'InsecureTransport');
    assert.equal(insecure?.status, 'True');
    assert.match(insecure?.message ?? '', /cleartext/);
    await waitFor('a Warning event InsecureTransport', async () =>
      (await warningReasons(ns, 'vault-http')).includes('InsecureTransport'),
    );
  });

  test('an http:// VaultConnection is refused too, with the same condition and event', async () => {
    await e.apply({
      apiVersion: VAULT,
      kind: 'VaultConnection',
      metadata: { namespace: ns, name: 'http' },
      spec: { address: requirePeerEnv('openbao').BAO_ADDR },
    });
    const ready = await waitForReady(
      e,
      { apiVersion: VAULT, kind: 'VaultConnection', namespace: ns, name: 'http' },
      'False',
      {
        reason: 'InsecureTransport',
      },
    );
    assert.match(ready.message ?? '', /--refuse-insecure-transport: use an https:\/\/ address/);
    assert.equal((await condition(VAULT, 'VaultConnection', ns, 'http', 'InsecureTransport'))?.status, 'True');
    await waitFor('a Warning event InsecureTransport', async () =>
      (await warningReasons(ns, 'http')).includes('InsecureTransport'),
    );
  });

  test('no secret value reached the log, events or statuses', async () => {
    assert.deepEqual(await e.leaks(), []);
  });
});
