// The controller starts with stores and VaultAuths whose Vault address refuses connections,
// and with others whose Vault accepts connections and never answers. Neither may stop it:
// the process stays up, those objects say why in Ready=False (a reconcile past its budget
// says so), and every other object syncs. The budget is 3 s here (`--reconcile-timeout`).

import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findLeaks, refusedPort } from '@lockstep/sandbox';
import { type ControllerUnderTest, startControllerUnderTest } from '../testing/controller-under-test.ts';
import { counterValue } from '../testing/counter-value.ts';
import { type E2e, startE2e } from '../testing/e2e-harness.ts';
import { EXTERNAL, externalSecret, type Obj, secretStore, VAULT } from '../testing/external-resources.ts';
import { type OpenBaoForE2e, openBaoForE2e } from '../testing/openbao-for-e2e.ts';
import { type Condition, readyOf } from '../testing/ready-condition.ts';
import { waitFor } from '../testing/wait-for.ts';

const BUDGET_ARGS = ['--enable-vault-native', '--reconcile-timeout', '3000'];

/** A server that accepts every connection and never says a word. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const vault = (kind: string, namespace: string, name: string, spec: object): Obj => ({
  apiVersion: VAULT,
  kind,
  metadata: { name, namespace },
  spec,
});

describe('a Vault that refuses connections or never answers', () => {
  let e: E2e;
  let bao: OpenBaoForE2e;
  let silent: { port: number; close(): Promise<void> };
  let controller: ControllerUnderTest | undefined;
  let ns: string;
  let token: string;
  const addresses: Record<string, string> = {};

  /** Everything a tenant would point at one Vault address: a store and its ExternalSecret, a VaultConnection, a VaultAuth and a VaultStaticSecret. */
  const pointAt = (target: string, address: string, mount: string, tokenSecret: string): Obj[] => [
    secretStore(ns, `vault-${target}`, {
      vault: {
        server: address,
        path: mount,
        version: 'v2',
        auth: { tokenSecretRef: { name: tokenSecret, key: 'token' } },
      },
    }),
    externalSecret(ns, `es-${target}`, {
      refreshInterval: '1h',
      secretStoreRef: { name: `vault-${target}` },
      data: [{ secretKey: 'password', remoteRef: { key: 'app', property: 'password' } }],
      dataFrom: [{ extract: { key: 'app' } }],
    }),
    vault('VaultConnection', ns, `conn-${target}`, { address }),
    vault('VaultAuth', ns, `auth-${target}`, {
      vaultConnectionRef: `conn-${target}`,
      method: 'token',
      token: { secretRef: tokenSecret },
    }),
    vault('VaultStaticSecret', ns, `vss-${target}`, {
      vaultAuthRef: `auth-${target}`,
      type: 'kv-v2',
      mount,
      path: 'app',
      destination: { name: `vss-${target}`, create: true },
    }),
  ];

  before(async () => {
    const refused = await refusedPort();
    silent = await silentServer();
    e = await startE2e({ file: 'unreach', args: BUDGET_ARGS });
    // The objects exist before the controller under test starts: stop the harness's own first.
    await e.controller.stop();
    bao = await openBaoForE2e(e);
    const kv = await bao.kvMount('kv', 2);
    await bao.writeKv(kv, 2, 'app', { username: 'unreach-user', password: 'unreach-Passw0rd' });
    token = await bao.token(`path "${kv}/*" { capabilities = ["read"] }`);
    ns = await e.namespace('unreach');
    await e.core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'bao-token' }, stringData: { token } },
    });
    await e.core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'dead-token' }, stringData: { token: 'not-a-token-of-any-vault' } },
    });
    addresses.refused = `http://127.0.0.1:${refused}`;
    addresses.silent = `http://127.0.0.1:${silent.port}`;
    const objects = [
      ...pointAt('refused', addresses.refused, kv, 'dead-token'),
      ...pointAt('silent', addresses.silent, kv, 'dead-token'),
      ...pointAt('ok', bao.addr, kv, 'bao-token'),
      secretStore(ns, 'fake', { fake: { data: [{ key: 'app', value: '{"password":"fake-unreach-Passw0rd"}' }] } }),
      externalSecret(ns, 'es-fake', {
        refreshInterval: '1h',
        secretStoreRef: { name: 'fake' },
        data: [{ secretKey: 'password', remoteRef: { key: 'app', property: 'password' } }],
        dataFrom: [{ extract: { key: 'app' } }],
      }),
    ];
    for (const obj of objects) await e.apply(obj);

    controller = startControllerUnderTest({
      kubeconfigPath: e.kubeconfigPath,
      controllerNamespace: e.controllerNamespace,
      logFile: join(e.dir, 'controller-under-test.log'),
      args: ['--enable-generic', ...BUDGET_ARGS],
    });
    await controller.ready();
  });
  after(async () => {
    // The harness cleans up while a controller runs (finalizers), so ours stops last.
    await e?.stop();
    await controller?.stop();
    await bao?.stop();
    await silent?.close();
  });

  const ready = async (apiVersion: string, kind: string, name: string, accept: (c: Condition) => boolean) => {
    let last: Condition | undefined;
    try {
      return await waitFor(
        `${kind} ${name}`,
        async () => {
          last = readyOf(await e.get(apiVersion, kind, ns, name));
          return last && accept(last) ? last : undefined;
        },
        45_000,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; Ready: ${JSON.stringify(last)}`);
    }
  };

  test('every object not pointing at a dead Vault syncs', async () => {
    const isTrue = (c: Condition) => c.status === 'True';
    await ready(EXTERNAL, 'ExternalSecret', 'es-fake', isTrue);
    await ready(EXTERNAL, 'ExternalSecret', 'es-ok', isTrue);
    await ready(VAULT, 'VaultStaticSecret', 'vss-ok', isTrue);
    assert.equal((await e.secret(ns, 'es-fake'))?.password, 'fake-unreach-Passw0rd');
    assert.equal((await e.secret(ns, 'es-ok'))?.password, 'unreach-Passw0rd');
    assert.equal((await e.secret(ns, 'vss-ok'))?.password, 'unreach-Passw0rd');
  });

  test('a refused address: each object that uses it says Vault is unreachable', async () => {
    const unreachable = (c: Condition) => c.status === 'False' && /unreachable \(ECONNREFUSED\)/.test(c.message ?? '');
    for (const [apiVersion, kind, name] of [
      [EXTERNAL, 'SecretStore', 'vault-refused'],
      [EXTERNAL, 'ExternalSecret', 'es-refused'],
      [VAULT, 'VaultConnection', 'conn-refused'],
      [VAULT, 'VaultStaticSecret', 'vss-refused'],
    ] as const) {
      const c = await ready(apiVersion, kind, name, unreachable);
      assert.ok(c.message?.includes(addresses.refused ?? '-'), `${kind} ${name} names the address: ${c.message}`);
    }
  });

  test('an address that never answers: each object that uses it says its reconcile ran out of time', async () => {
    const outOfTime = (c: Condition) =>
      c.status === 'False' && /did not finish within 3s|did not answer in time/.test(c.message ?? '');
    const store = await ready(EXTERNAL, 'SecretStore', 'vault-silent', outOfTime);
    assert.equal(store.reason, 'ReconcileTimeout');
    const es = await ready(EXTERNAL, 'ExternalSecret', 'es-silent', outOfTime);
    assert.equal(es.reason, 'SecretSyncedError', 'ExternalSecret keeps the reason ESO users look for');
    await ready(VAULT, 'VaultConnection', 'conn-silent', outOfTime);
    await ready(VAULT, 'VaultStaticSecret', 'vss-silent', outOfTime);
    const metrics = await (controller as ControllerUnderTest).metrics();
    assert.ok(counterValue(metrics, 'lockstep_reconcile_total', { result: 'timeout' }) >= 4, 'timeouts are counted');
  });

  test('the controller is still up, and nothing reached the process level', async () => {
    const c = controller as ControllerUnderTest;
    assert.equal(c.exitReason(), undefined);
    assert.equal(counterValue(await c.metrics(), 'lockstep_unexpected_errors_total'), 0);
    assert.deepEqual(
      c.errorLines().filter((line) => /unhandled rejection|failed unexpectedly/.test(line)),
      [],
    );
    // Still serving: a change made now is picked up at once.
    await e.apply(
      externalSecret(ns, 'es-late', {
        refreshInterval: '1h',
        secretStoreRef: { name: 'fake' },
        data: [{ secretKey: 'password', remoteRef: { key: 'app', property: 'password' } }],
      }),
    );
    await ready(EXTERNAL, 'ExternalSecret', 'es-late', (r) => r.status === 'True');
    // Timeouts and failures were logged and written to conditions without a secret value.
    const values = [token, 'not-a-token-of-any-vault', 'unreach-Passw0rd', 'fake-unreach-Passw0rd'];
    assert.deepEqual(await findLeaks({ logFile: c.logFile, core: e.core, custom: e.custom }, values), []);
  });
});
