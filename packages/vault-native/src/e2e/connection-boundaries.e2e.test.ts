// Boundaries of VaultConnection and VaultAuth against the real OpenBao and API server: a
// VaultAuth may use another namespace's VaultConnection only when that connection allows it,
// a cleartext (http://) connection is flagged, and `storageEncryption` is honoured (transit
// seals the persisted login tokens) or refused with a condition, never ignored.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { clientSecretApi } from '@lockstep/core';
import { ensureNamespace, ensureServiceAccount } from '@lockstep/sandbox';
import { LocalTokenCipher } from '../auth/local-token-cipher.ts';
import { SecretTokenStore, TOKEN_STORE_SECRET, tokenStoreKey } from '../auth/secret-token-store.ts';
import { StorageEncryptionCipher } from '../auth/storage-encryption-cipher.ts';
import { type Harness, startHarness, type Tenant, unique, waitFor } from './harness.ts';
import { waitForReady } from './ready-fixture.ts';

describe('VaultConnection and VaultAuth boundaries', () => {
  let h: Harness;
  let kv: string;
  let tenant: Tenant;
  let infra: string;

  /** A VaultAuth of the tenant that logs in through `connectionRef`, and a VaultStaticSecret using it. */
  const viaConnection = async (name: string, connectionRef: string) => {
    await h.apply('VaultAuth', tenant.namespace, name, {
      method: 'kubernetes',
      mount: h.authMount,
      vaultConnectionRef: connectionRef,
      kubernetes: { role: tenant.role, serviceAccount: 'app' },
    });
    await h.apply('VaultStaticSecret', tenant.namespace, `via-${name}`, {
      vaultAuthRef: name,
      type: 'kv-v1',
      mount: kv,
      path: 'app',
      destination: { name: `via-${name}`, create: true },
    });
  };
  const warningReasons = async (namespace: string, name: string) =>
    (
      await h.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name},type=Warning` })
    ).items.map((e) => e.reason);

  before(async () => {
    h = await startHarness();
    kv = await h.mount('kv', 'kv', { version: '1' });
    await h.bao.write(`${kv}/app`, { password: 'boundary-pass' });
    tenant = await h.createTenant(`path "${kv}/app" { capabilities = ["read"] }`);
    infra = unique('infra');
    await ensureNamespace(h.kc, infra);
    // A connection the platform team keeps for itself, and one it shares with the tenant namespaces.
    await h.apply('VaultConnection', infra, 'private', { address: h.baoAddr });
    await h.apply('VaultConnection', infra, 'shared', { address: h.baoAddr, allowedNamespaces: ['tenant-*'] });
  });
  after(async () => {
    await h?.stop();
  });

  test('an http:// VaultConnection is Ready but flagged InsecureTransport, with one Warning event', async () => {
    const ready = await waitForReady(h, 'VaultConnection', h.controllerNamespace, 'default', 'True');
    assert.match(ready.message ?? '', /reachable/);
    const conn = await h.getObject('VaultConnection', h.controllerNamespace, 'default');
    const insecure = ((conn?.status?.conditions ?? []) as Array<Record<string, string>>).find(
      (c) => c.type === 'InsecureTransport',
    );
    assert.equal(insecure?.status, 'True');
    assert.equal(insecure?.reason, 'CleartextHTTP');
    assert.match(
      insecure?.message ?? '',
      /plain http: Vault tokens and login credentials .* cleartext; use https:\/\//,
    );
    await waitFor('the InsecureTransport event', async () =>
      (await warningReasons(h.controllerNamespace, 'default')).includes('InsecureTransport'),
    );
  });

  test("a VaultAuth cannot borrow another namespace's VaultConnection that does not allow it", async () => {
    await viaConnection('borrow', `${infra}/private`);
    const refused = await waitForReady(
      h,
      'VaultAuth',
      tenant.namespace,
      'borrow',
      'False',
      'VaultConnectionNotAllowed',
    );
    assert.match(
      refused.message ?? '',
      new RegExp(`add "${tenant.namespace}" to the VaultConnection's spec.allowedNamespaces`),
    );
    await waitForReady(h, 'VaultStaticSecret', tenant.namespace, 'via-borrow', 'False', 'VaultConnectionNotAllowed');
    assert.equal(await h.secretData(tenant.namespace, 'via-borrow'), undefined);
  });

  test('a VaultConnection whose allowedNamespaces glob matches serves that namespace', async () => {
    await viaConnection('shared', `${infra}/shared`);
    await waitForReady(h, 'VaultAuth', tenant.namespace, 'shared', 'True');
    const data = await waitFor('the Secret', () => h.secretData(tenant.namespace, 'via-shared'));
    assert.equal(data.password, 'boundary-pass');
  });

  test('storageEncryption on a tenant VaultAuth is refused with a condition', async () => {
    await h.apply('VaultAuth', tenant.namespace, 'sealer', {
      method: 'kubernetes',
      mount: h.authMount,
      kubernetes: { role: tenant.role, serviceAccount: 'app' },
      storageEncryption: { mount: 'transit', keyName: 'anything' },
    });
    const refused = await waitForReady(
      h,
      'VaultAuth',
      tenant.namespace,
      'sealer',
      'False',
      'StorageEncryptionNotAllowed',
    );
    assert.match(refused.message ?? '', /only a VaultAuth in the controller namespace .* may set it: remove it/);
  });

  test('storageEncryption in the controller namespace seals persisted login tokens with the transit key', async () => {
    // The controller's own identity: a service account of its namespace, allowed only the two transit paths.
    const ns = h.controllerNamespace;
    const transit = await h.mount('transit', 'transit');
    await h.bao.write(`${transit}/keys/lockstep-tokens`, {});
    await ensureServiceAccount(h.kc, ns, 'lockstep');
    const policy = unique('transit-policy');
    await h.bao.write(`sys/policies/acl/${policy}`, {
      policy: ['encrypt', 'decrypt']
        .map((op) => `path "${transit}/${op}/lockstep-tokens" { capabilities = ["update"] }`)
        .join('\n'),
    });
    const role = unique('controller');
    await h.bao.write(`auth/${h.authMount}/role/${role}`, {
      bound_service_account_names: ['lockstep'],
      bound_service_account_namespaces: [ns],
      token_policies: [policy],
      token_ttl: '1h',
    });

    // Before any VaultAuth sets it, tokens are sealed with the local key.
    const api = clientSecretApi(h.kc);
    const cipher = new StorageEncryptionCipher(await LocalTokenCipher.loadOrCreate(api, ns));
    const store = new SecretTokenStore({ api, namespace: ns, cipher });
    const stored = (token: string) => ({
      token,
      accessor: `${token}-accessor`,
      expiresAtMs: undefined,
      renewable: true,
      requestedTtlSeconds: 3600,
    });
    await store.save('tenant/before', stored('token-sealed-locally'));
    cipher.useTransit(() => h.engine.storageEncryption.cipher());
    await store.save('tenant/still-local', stored('token-still-local'));
    const sealedValue = async (identity: string) => {
      const secret = await h.core.readNamespacedSecret({ namespace: ns, name: TOKEN_STORE_SECRET });
      return Buffer.from(secret.data?.[tokenStoreKey(identity)] ?? '', 'base64').toString('utf8');
    };
    assert.match(await sealedValue('tenant/still-local'), /^lockstep:/, 'no VaultAuth sets storageEncryption yet');

    await h.apply('VaultAuth', ns, 'token-storage', {
      method: 'kubernetes',
      mount: h.authMount,
      kubernetes: { role, serviceAccount: 'lockstep' },
      storageEncryption: { mount: transit, keyName: 'lockstep-tokens' },
    });
    const ready = await waitForReady(h, 'VaultAuth', ns, 'token-storage', 'True');
    assert.match(
      ready.message ?? '',
      /seals the controller's persisted login tokens with transit key "lockstep-tokens"/,
    );

    await store.save('tenant/after', stored('token-sealed-by-transit'));
    assert.match(await sealedValue('tenant/after'), /^vault:v\d+:/);
    assert.doesNotMatch(await sealedValue('tenant/after'), /token-sealed-by-transit/);
    // Both open: a switch loses no token, so no lease is orphaned by it.
    const fresh = new SecretTokenStore({ api, namespace: ns, cipher });
    assert.equal((await fresh.load('tenant/after'))?.token, 'token-sealed-by-transit');
    assert.equal((await fresh.load('tenant/before'))?.token, 'token-sealed-locally');

    // A second VaultAuth setting it makes the key ambiguous: refused, and nothing is sealed meanwhile.
    await h.apply('VaultAuth', ns, 'token-storage-2', {
      method: 'kubernetes',
      mount: h.authMount,
      kubernetes: { role, serviceAccount: 'lockstep' },
      storageEncryption: { mount: transit, keyName: 'lockstep-tokens' },
    });
    await waitForReady(h, 'VaultAuth', ns, 'token-storage-2', 'False', 'StorageEncryptionAmbiguous');
    await waitForReady(h, 'VaultAuth', ns, 'token-storage', 'False', 'StorageEncryptionAmbiguous');
    await assert.rejects(store.save('tenant/ambiguous', stored('never-sealed')), /keep it on exactly one/);
  });
});
