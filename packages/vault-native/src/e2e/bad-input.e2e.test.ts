import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ensureServiceAccount } from '@lockstep/sandbox';
import { type Harness, readyOf, startHarness, type Tenant, waitFor } from './harness.ts';

// Every bad input ends in Ready=False with a reason and a message that says what to fix.
describe('bad input and tenancy', () => {
  let h: Harness;
  let a: Tenant;
  let b: Tenant;
  let kv: string;

  before(async () => {
    h = await startHarness();
    kv = await h.mount('kv', 'kv', { version: '1' });
    await h.bao.write(`${kv}/app`, { password: 'p4ssw0rd' });
    await h.bao.write(`${kv}/secret-of-a`, { password: 'only-for-a' });
    a = await h.createTenant(
      `path "${kv}/app" { capabilities = ["read"] }\npath "${kv}/secret-of-a" { capabilities = ["read"] }`,
      {
        vaultAuth: {},
      },
    );
    b = await h.createTenant(`path "${kv}/app" { capabilities = ["read"] }`);
    // A shared VaultAuth in A's namespace that only namespace "allowed-ns" may use.
    await h.apply('VaultAuth', a.namespace, 'shared', {
      method: 'kubernetes',
      mount: h.authMount,
      allowedNamespaces: ['allowed-ns'],
      kubernetes: { role: a.role, serviceAccount: 'app' },
    });
    // In B's namespace, a VaultAuth that uses A's role: A's role is bound to A's namespace.
    await h.apply('VaultAuth', b.namespace, 'steal', {
      method: 'kubernetes',
      mount: h.authMount,
      kubernetes: { role: a.role, serviceAccount: 'app' },
    });
    await h.apply('VaultAuth', b.namespace, 'ghost-sa', {
      method: 'kubernetes',
      mount: h.authMount,
      kubernetes: { role: b.role, serviceAccount: 'ghost' },
    });
    await h.apply('VaultAuth', b.namespace, 'no-conn', {
      method: 'kubernetes',
      mount: h.authMount,
      vaultConnectionRef: 'nope',
      kubernetes: { role: b.role, serviceAccount: 'app' },
    });
    await ensureServiceAccount(h.kc, b.namespace, 'app');
  });
  after(async () => {
    await h?.stop();
  });

  const cases: Array<{ name: string; kind?: string; spec: object; reason: RegExp; message: RegExp }> = [
    {
      name: 'missing-auth',
      spec: { vaultAuthRef: 'nope' },
      reason: /VaultAuthNotFound/,
      message: /VaultAuth "nope" not found.*vaultAuthRef/,
    },
    {
      name: 'missing-conn',
      spec: { vaultAuthRef: 'no-conn' },
      reason: /VaultConnectionNotFound/,
      message: /VaultConnection "nope" not found/,
    },
    { name: 'missing-sa', spec: { vaultAuthRef: 'ghost-sa' }, reason: /AuthFailed/, message: /ghost/ },
    { name: 'wrong-mount', spec: { mount: 'no-such-mount' }, reason: /Forbidden|NotFound/, message: /no-such-mount/ },
    { name: 'forbidden-path', spec: { path: 'secret-of-a' }, reason: /Forbidden/, message: /denied.*secret-of-a/ },
    {
      name: 'no-lease',
      kind: 'VaultDynamicSecret',
      spec: { path: 'app' },
      reason: /NoLease/,
      message: /without a lease.*allowStaticCreds/,
    },
    {
      name: 'bad-template',
      spec: {
        destination: {
          name: 'bad-template',
          create: true,
          transformation: { templates: { x: { text: '{{ .Secrets' } } },
        },
      },
      reason: /InvalidTransformation/,
      message: /templates\.x/,
    },
  ];

  for (const c of cases) {
    test(`${c.name}: Ready=False says what to fix and nothing is written`, async () => {
      const kind = c.kind ?? 'VaultStaticSecret';
      const spec = {
        mount: kv,
        path: 'app',
        ...(kind === 'VaultStaticSecret' ? { type: 'kv-v1' } : {}),
        destination: { name: c.name, create: true },
        ...c.spec,
      };
      await h.apply(kind, b.namespace, c.name, spec);
      const ready = await waitFor(`Ready=False on ${c.name}`, async () => {
        const r = readyOf(await h.getObject(kind, b.namespace, c.name));
        return r?.status === 'False' ? r : undefined;
      });
      assert.match(ready.reason ?? '', c.reason);
      assert.match(ready.message ?? '', c.message);
      assert.ok(!(ready.message ?? '').includes('p4ssw0rd'), 'no secret value in the message');
      assert.equal(await h.secretData(b.namespace, c.name), undefined);
    });
  }

  test('allowedNamespaces is enforced: a namespace not listed cannot use the VaultAuth', async () => {
    await h.apply('VaultStaticSecret', b.namespace, 'cross', {
      vaultAuthRef: `${a.namespace}/shared`,
      type: 'kv-v1',
      mount: kv,
      path: 'app',
      destination: { name: 'cross', create: true },
    });
    const ready = await waitFor('Ready=False', async () => {
      const r = readyOf(await h.getObject('VaultStaticSecret', b.namespace, 'cross'));
      return r?.status === 'False' ? r : undefined;
    });
    assert.equal(ready.reason, 'NamespaceNotAllowed');
    assert.match(ready.message ?? '', new RegExp(`namespace "${b.namespace}" is not allowed.*allowedNamespaces`));
  });

  test('a role bound to namespace A refuses namespace B', async () => {
    await h.apply('VaultStaticSecret', b.namespace, 'steal', {
      vaultAuthRef: 'steal',
      type: 'kv-v1',
      mount: kv,
      path: 'secret-of-a',
      destination: { name: 'steal', create: true },
    });
    const ready = await waitFor('Ready=False', async () => {
      const r = readyOf(await h.getObject('VaultStaticSecret', b.namespace, 'steal'));
      return r?.status === 'False' ? r : undefined;
    });
    assert.equal(ready.reason, 'AuthFailed');
    assert.equal(await h.secretData(b.namespace, 'steal'), undefined);
    // The same VaultStaticSecret in A's namespace works.
    await h.apply('VaultStaticSecret', a.namespace, 'own', {
      type: 'kv-v1',
      mount: kv,
      path: 'secret-of-a',
      destination: { name: 'own', create: true },
    });
    assert.equal((await waitFor('the Secret', () => h.secretData(a.namespace, 'own'))).password, 'only-for-a');
  });

  test('the API server rejects an unknown auth method and an invalid duration at admission', async () => {
    await assert.rejects(h.apply('VaultAuth', b.namespace, 'weird', { method: 'ldap', ldap: {} }));
    await assert.rejects(
      h.apply('VaultStaticSecret', b.namespace, 'bad-ttl', {
        type: 'kv-v1',
        mount: kv,
        path: 'app',
        refreshAfter: 'soon',
        destination: { name: 'x', create: true },
      }),
    );
  });
});
