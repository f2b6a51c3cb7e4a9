// Destination ownership for the Vault-native kinds, against OpenBao and a real kube-apiserver:
// `create: false` writes only its own keys into somebody else's Secret, a Secret another
// resource owns is refused, `clear` never empties a Secret that was not created for that very
// VaultPKISecret, and the API server rejects the destination combinations that would touch
// data Lockstep does not own (CEL rules).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import { type Harness, startHarness, type Tenant, waitFor } from './harness.ts';
import { writeKvV2 } from './kv-fixture.ts';
import { createPkiMount } from './pki-fixture.ts';
import { waitForReady } from './ready-fixture.ts';

describe('destination ownership', () => {
  let h: Harness;
  let tenant: Tenant;
  let kv: string;
  let pki: string;

  before(async () => {
    h = await startHarness();
    kv = await h.mount('kv-own', 'kv', { version: '2' });
    pki = await createPkiMount(h, 'pki-own');
    tenant = await h.createTenant(
      `path "${kv}/*" { capabilities = ["read"] }\npath "${pki}/issue/web" { capabilities = ["update"] }\npath "${pki}/revoke" { capabilities = ["update"] }`,
    );
    await writeKvV2(h, kv, 'app', { user: 'own-user', password: 'own-Passw0rd' });
  });
  after(async () => {
    await h?.stop();
  });

  const userSecret = (namespace: string, name: string, stringData: Record<string, string>) =>
    h.core.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData } });
  const meta = async (namespace: string, name: string) =>
    (await h.core.readNamespacedSecret({ namespace, name })).metadata;

  test('the API server rejects create: false with overwrite or labels, and clear without create', async () => {
    const ns = tenant.namespace;
    const rejected = async (kind: string, name: string, spec: object, message: RegExp) => {
      const err = await h.apply(kind, ns, name, spec).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof ApiException, `${kind} ${name} was admitted`);
      assert.equal(err.code, 422);
      assert.match(typeof err.body === 'string' ? err.body : JSON.stringify(err.body), message);
    };
    const kvSpec = { type: 'kv-v2', mount: kv, path: 'app' };
    await rejected(
      'VaultStaticSecret',
      'overwrite-no-create',
      { ...kvSpec, destination: { name: 'x', create: false, overwrite: true } },
      /destination\.overwrite takes over an existing Secret/,
    );
    await rejected(
      'VaultStaticSecret',
      'labels-no-create',
      { ...kvSpec, destination: { name: 'x', create: false, labels: { a: 'b' } } },
      /labels, annotations and type apply only to a Secret Lockstep creates/,
    );
    await rejected(
      'VaultPKISecret',
      'clear-no-create',
      { mount: pki, role: 'web', commonName: 'a.example.com', clear: true, destination: { name: 'x', create: false } },
      /spec\.clear empties the destination Secret on delete/,
    );
  });

  test('create: false writes only its own keys: foreign keys stay, nothing is claimed, dropped keys of its own go', async () => {
    const ns = tenant.namespace;
    await userSecret(ns, 'shared-config', { foreign: 'kept-by-user' });
    await h.apply('VaultStaticSecret', ns, 'into-existing', {
      type: 'kv-v2',
      mount: kv,
      path: 'app',
      refreshAfter: '1s',
      destination: { name: 'shared-config', create: false, transformation: { excludeRaw: true } },
    });
    await waitForReady(h, 'VaultStaticSecret', ns, 'into-existing', 'True');
    assert.deepEqual(await h.secretData(ns, 'shared-config'), {
      foreign: 'kept-by-user',
      user: 'own-user',
      password: 'own-Passw0rd',
    });
    const m = await meta(ns, 'shared-config');
    assert.equal(m?.labels?.['lockstep.dev/managed'], undefined);
    assert.equal(m?.ownerReferences, undefined);

    // A key leaves Vault: the key Lockstep wrote goes with it, the user's key stays.
    await h.bao.write(`${kv}/data/app`, { data: { user: 'own-user' } });
    await waitFor('the dropped key to go', async () => {
      const data = await h.secretData(ns, 'shared-config');
      return data && !('password' in data);
    });
    assert.deepEqual(await h.secretData(ns, 'shared-config'), { foreign: 'kept-by-user', user: 'own-user' });

    // Deleting the resource leaves the Secret and every key in it (it was never Lockstep's).
    await h.deleteObject('VaultStaticSecret', ns, 'into-existing');
    await waitFor('the resource to go', async () => !(await h.getObject('VaultStaticSecret', ns, 'into-existing')));
    assert.deepEqual(await h.secretData(ns, 'shared-config'), { foreign: 'kept-by-user', user: 'own-user' });
  });

  test('a destination another resource owns is refused, naming that resource, and its Secret is left alone', async () => {
    const ns = tenant.namespace;
    const spec = {
      type: 'kv-v2',
      mount: kv,
      path: 'app',
      destination: { name: 'one-target', create: true, overwrite: true },
    };
    await h.apply('VaultStaticSecret', ns, 'owner-one', spec);
    await waitForReady(h, 'VaultStaticSecret', ns, 'owner-one', 'True');
    const before = await h.secretData(ns, 'one-target');
    const uid = (await h.getObject('VaultStaticSecret', ns, 'owner-one'))?.metadata.uid;
    await h.apply('VaultStaticSecret', ns, 'owner-two', spec);
    const refused = await waitForReady(h, 'VaultStaticSecret', ns, 'owner-two', 'False');
    assert.match(refused.message ?? '', /Secret "one-target" belongs to VaultStaticSecret\/owner-one/);
    assert.deepEqual(
      (await meta(ns, 'one-target'))?.ownerReferences?.map((r) => r.uid),
      [uid],
    );
    await h.deleteObject('VaultStaticSecret', ns, 'owner-two');
    await waitFor('owner-two to go', async () => !(await h.getObject('VaultStaticSecret', ns, 'owner-two')));
    assert.deepEqual(await h.secretData(ns, 'one-target'), before);
  });

  test('VaultPKISecret clear: true never empties a Secret that was not created for it, and issues nothing it cannot write', async () => {
    const ns = tenant.namespace;
    await userSecret(ns, 'users-tls', { 'tls.crt': 'user-cert', 'tls.key': 'user-key' });
    await h.apply('VaultPKISecret', ns, 'wants-users-tls', {
      mount: pki,
      role: 'web',
      commonName: 'web.example.com',
      ttl: '10m',
      clear: true,
      destination: { name: 'users-tls', create: true },
    });
    const blocked = await waitForReady(h, 'VaultPKISecret', ns, 'wants-users-tls', 'False');
    assert.equal(blocked.reason, 'DestinationBlocked');
    assert.match(
      blocked.message ?? '',
      /Secret "users-tls" already exists and was not created by Lockstep for this VaultPKISecret/,
    );
    const obj = await h.getObject('VaultPKISecret', ns, 'wants-users-tls');
    assert.equal(obj?.status?.serialNumber, undefined, 'no certificate issued for a Secret it cannot write');
    assert.ok(obj?.metadata.finalizers?.length, 'the finalizer for clear is held');

    await h.deleteObject('VaultPKISecret', ns, 'wants-users-tls');
    await waitFor('the resource to go', async () => !(await h.getObject('VaultPKISecret', ns, 'wants-users-tls')));
    assert.deepEqual(await h.secretData(ns, 'users-tls'), { 'tls.crt': 'user-cert', 'tls.key': 'user-key' });
  });
});
