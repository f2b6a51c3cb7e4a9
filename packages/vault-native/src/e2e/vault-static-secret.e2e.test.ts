import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Harness, readyOf, startHarness, type Tenant, waitFor } from './harness.ts';
import { writeKvV2 } from './kv-fixture.ts';

describe('VaultStaticSecret against OpenBao', () => {
  let h: Harness;
  let tenant: Tenant;
  let kv2: string;
  let kv1: string;

  before(async () => {
    h = await startHarness();
    kv2 = await h.mount('kv2', 'kv', { version: '2' });
    kv1 = await h.mount('kv1', 'kv', { version: '1' });
    tenant = await h.createTenant(
      `path "${kv2}/*" { capabilities = ["read"] }\npath "${kv1}/*" { capabilities = ["read"] }`,
    );
    await writeKvV2(h, kv2, 'app/config', { username: 'app', password: 'first-password' });
    await h.bao.write(`${kv1}/legacy`, { user: 'legacy', pass: 'legacy-pass', port: 5432 });
  });
  after(async () => {
    await h?.stop();
  });

  test('a KV change reaches the Secret and restarts the Deployment once; an unchanged refresh writes nothing', async () => {
    const ns = tenant.namespace;
    await h.createDeployment(ns, 'web');
    await h.apply('VaultStaticSecret', ns, 'config', {
      type: 'kv-v2',
      mount: kv2,
      path: 'app/config',
      refreshAfter: '1s',
      destination: { name: 'app-config', create: true, labels: { app: 'web' } },
      rolloutRestartTargets: [{ kind: 'Deployment', name: 'web' }],
    });
    const first = await waitFor('the Secret', () => h.secretData(ns, 'app-config'));
    assert.equal(first.password, 'first-password');
    assert.equal(first.username, 'app');
    assert.ok(first._raw, 'VSO writes the raw response under _raw');
    const synced = await waitFor('Ready', async () => {
      const o = await h.getObject('VaultStaticSecret', ns, 'config');
      return readyOf(o)?.status === 'True' && o?.status?.secretMAC ? o : undefined;
    });
    assert.equal(synced.status.lastGeneration, synced.metadata.generation);
    assert.equal(await h.restartedAt(ns, 'web'), undefined, 'the first sync restarts nothing');

    await h.bao.write(`${kv2}/data/app/config`, { data: { username: 'app', password: 'second-password' } });
    await waitFor(
      'the new password',
      async () => (await h.secretData(ns, 'app-config'))?.password === 'second-password',
    );
    await waitFor('the restart', () => h.restartedAt(ns, 'web'));
    assert.equal(h.deploymentPatches(ns, 'web'), 1);

    // Several refreshes (refreshAfter 1s) with nothing changed in Vault.
    const writes = h.secretWrites(ns);
    await new Promise((r) => setTimeout(r, 3_500));
    assert.equal(h.secretWrites(ns), writes, 'an unchanged refresh writes nothing');
    assert.equal(h.deploymentPatches(ns, 'web'), 1, 'an unchanged refresh restarts nothing');
  });

  test('a hand-edited Secret is repaired without restarting anything', async () => {
    const ns = tenant.namespace;
    await h.apply('VaultStaticSecret', ns, 'drift', {
      type: 'kv-v2',
      mount: kv2,
      path: 'app/config',
      destination: { name: 'drift', create: true },
      rolloutRestartTargets: [{ kind: 'Deployment', name: 'web' }],
    });
    await waitFor('the Secret', () => h.secretData(ns, 'drift'));
    const patches = h.deploymentPatches(ns, 'web');
    const s = await h.core.readNamespacedSecret({ namespace: ns, name: 'drift' });
    s.data = { ...s.data, password: Buffer.from('edited').toString('base64') };
    await h.core.replaceNamespacedSecret({ namespace: ns, name: 'drift', body: s });
    await waitFor('the repair', async () => (await h.secretData(ns, 'drift'))?.password !== 'edited');
    assert.equal(h.deploymentPatches(ns, 'web'), patches);
  });

  test('kv-v1 with a transformation: templates render, excludes drop source keys, excludeRaw drops _raw', async () => {
    const ns = tenant.namespace;
    await h.apply('VaultStaticSecret', ns, 'legacy', {
      type: 'kv-v1',
      mount: kv1,
      path: 'legacy',
      destination: {
        name: 'legacy',
        create: true,
        transformation: {
          excludes: ['^pass$'],
          excludeRaw: true,
          templates: {
            url: { text: '{{ get .Secrets "user" }}:{{ get .Secrets "pass" }}@db:{{ get .Secrets "port" }}' },
          },
        },
      },
    });
    const data = await waitFor('the Secret', () => h.secretData(ns, 'legacy'));
    assert.deepEqual(Object.keys(data).sort(), ['port', 'url', 'user']);
    assert.equal(data.url, 'legacy:legacy-pass@db:5432');
  });

  test('a pinned kv-v2 version stays on that version', async () => {
    const ns = tenant.namespace;
    await h.apply('VaultStaticSecret', ns, 'pinned', {
      type: 'kv-v2',
      mount: kv2,
      path: 'app/config',
      version: 1,
      destination: { name: 'pinned', create: true },
    });
    const data = await waitFor('the Secret', () => h.secretData(ns, 'pinned'));
    assert.equal(data.password, 'first-password');
  });
});
