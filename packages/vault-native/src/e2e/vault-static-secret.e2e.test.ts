import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  apply,
  createDeployment,
  createTenant,
  deploymentPatches,
  getObject,
  type Harness,
  readyOf,
  restartedAt,
  secretData,
  secretWrites,
  startHarness,
  type Tenant,
  unique,
  waitFor,
} from './harness.ts';

describe('VaultStaticSecret against OpenBao', () => {
  let h: Harness;
  let tenant: Tenant;
  const kv2 = unique('kv2');
  const kv1 = unique('kv1');

  before(async () => {
    h = await startHarness();
    await h.bao.write(`sys/mounts/${kv2}`, { type: 'kv', options: { version: '2' } });
    await h.bao.write(`sys/mounts/${kv1}`, { type: 'kv', options: { version: '1' } });
    tenant = await createTenant(
      h,
      `path "${kv2}/*" { capabilities = ["read"] }\npath "${kv1}/*" { capabilities = ["read"] }`,
    );
    for (let i = 0; ; i++) {
      try {
        await h.bao.write(`${kv2}/data/app/config`, { data: { username: 'app', password: 'first-password' } });
        break;
      } catch (err) {
        if (i > 50) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await h.bao.write(`${kv1}/legacy`, { user: 'legacy', pass: 'legacy-pass', port: 5432 });
  });
  after(async () => {
    await h?.stop();
    await h?.bao.delete(`sys/mounts/${kv2}`).catch(() => {});
    await h?.bao.delete(`sys/mounts/${kv1}`).catch(() => {});
  });

  test('a KV change reaches the Secret and restarts the Deployment once; an unchanged refresh writes nothing', async () => {
    const ns = tenant.namespace;
    await createDeployment(h, ns, 'web');
    await apply(h, 'VaultStaticSecret', ns, 'config', {
      type: 'kv-v2',
      mount: kv2,
      path: 'app/config',
      refreshAfter: '1s',
      destination: { name: 'app-config', create: true, labels: { app: 'web' } },
      rolloutRestartTargets: [{ kind: 'Deployment', name: 'web' }],
    });
    const first = await waitFor('the Secret', () => secretData(h, ns, 'app-config'));
    assert.equal(first.password, 'first-password');
    assert.equal(first.username, 'app');
    assert.ok(first._raw, 'VSO writes the raw response under _raw');
    const synced = await waitFor('Ready', async () => {
      const o = await getObject(h, 'VaultStaticSecret', ns, 'config');
      return readyOf(o)?.status === 'True' && o?.status?.secretMAC ? o : undefined;
    });
    assert.equal(synced.status.lastGeneration, synced.metadata.generation);
    assert.equal(await restartedAt(h, ns, 'web'), undefined, 'the first sync restarts nothing');

    await h.bao.write(`${kv2}/data/app/config`, { data: { username: 'app', password: 'second-password' } });
    await waitFor(
      'the new password',
      async () => (await secretData(h, ns, 'app-config'))?.password === 'second-password',
    );
    await waitFor('the restart', () => restartedAt(h, ns, 'web'));
    assert.equal(deploymentPatches(h, ns, 'web'), 1);

    // Several refreshes (refreshAfter 1s) with nothing changed in Vault.
    const writes = secretWrites(h, ns);
    await new Promise((r) => setTimeout(r, 3_500));
    assert.equal(secretWrites(h, ns), writes, 'an unchanged refresh writes nothing');
    assert.equal(deploymentPatches(h, ns, 'web'), 1, 'an unchanged refresh restarts nothing');
  });

  test('a hand-edited Secret is repaired without restarting anything', async () => {
    const ns = tenant.namespace;
    await apply(h, 'VaultStaticSecret', ns, 'drift', {
      type: 'kv-v2',
      mount: kv2,
      path: 'app/config',
      destination: { name: 'drift', create: true },
      rolloutRestartTargets: [{ kind: 'Deployment', name: 'web' }],
    });
    await waitFor('the Secret', () => secretData(h, ns, 'drift'));
    const patches = deploymentPatches(h, ns, 'web');
    const s = await h.core.readNamespacedSecret({ namespace: ns, name: 'drift' });
    s.data = { ...s.data, password: Buffer.from('edited').toString('base64') };
    await h.core.replaceNamespacedSecret({ namespace: ns, name: 'drift', body: s });
    await waitFor('the repair', async () => (await secretData(h, ns, 'drift'))?.password !== 'edited');
    assert.equal(deploymentPatches(h, ns, 'web'), patches);
  });

  test('kv-v1 with a transformation: templates render, excludes drop source keys, excludeRaw drops _raw', async () => {
    const ns = tenant.namespace;
    await apply(h, 'VaultStaticSecret', ns, 'legacy', {
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
    const data = await waitFor('the Secret', () => secretData(h, ns, 'legacy'));
    assert.deepEqual(Object.keys(data).sort(), ['port', 'url', 'user']);
    assert.equal(data.url, 'legacy:legacy-pass@db:5432');
  });

  test('a pinned kv-v2 version stays on that version', async () => {
    const ns = tenant.namespace;
    await apply(h, 'VaultStaticSecret', ns, 'pinned', {
      type: 'kv-v2',
      mount: kv2,
      path: 'app/config',
      version: 1,
      destination: { name: 'pinned', create: true },
    });
    const data = await waitFor('the Secret', () => secretData(h, ns, 'pinned'));
    assert.equal(data.password, 'first-password');
  });
});
