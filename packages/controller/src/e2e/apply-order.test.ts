// A store and the ExternalSecrets that use it, applied together in one `kubectl apply -f`
// of a multi-document file, in either order: the ExternalSecret is often reconciled before
// its store reaches the informer cache, so every one of its reads fails at once. That used
// to leave the `data` reads' rejections unwatched and Node ended the controller. Here the
// controller must stay up, never see an unhandled rejection, and get everything Ready.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KUBECTL, requireTool, run } from '../chart/helm-chart.ts';
import { counterValue } from '../testing/counter-value.ts';
import { type E2e, startE2e } from '../testing/e2e-harness.ts';
import { externalSecret, type Obj, secretStore } from '../testing/external-resources.ts';
import { readyOf } from '../testing/ready-condition.ts';
import { waitFor } from '../testing/wait-for.ts';

const ITERATIONS = 50;
const FAKE_DATA = [
  { key: 'app/db', value: '{"username":"order-user","password":"order-Passw0rd"}' },
  { key: 'app/api-key', value: 'order-api-key-1' },
];

/** An ExternalSecret that reads with both `data` and `dataFrom`: the case that ended the process. */
function bothSources(namespace: string, name: string, store: string): Obj {
  return externalSecret(namespace, name, {
    refreshInterval: '1h',
    secretStoreRef: { name: store, kind: 'SecretStore' },
    target: { name },
    data: [
      { secretKey: 'api-key', remoteRef: { key: 'app/api-key' } },
      { secretKey: 'password', remoteRef: { key: 'app/db', property: 'password' } },
    ],
    dataFrom: [{ extract: { key: 'app/db' } }],
  });
}

describe('a store and its ExternalSecrets applied in one request', () => {
  let e: E2e;
  let ns: string;

  before(async () => {
    requireTool(KUBECTL);
    e = await startE2e({ file: 'order' });
    e.rememberSecretValues(...FAKE_DATA.map((d) => d.value), 'order-Passw0rd');
    ns = await e.namespace('order');
  });
  after(async () => {
    await e?.stop();
  });

  test(`store first or ExternalSecret first, ${ITERATIONS} times: the controller stays up and all are Ready`, async () => {
    for (let i = 0; i < ITERATIONS; i++) {
      // Both orders in every request: store then ExternalSecret, and ExternalSecret then store.
      const documents = [
        secretStore(ns, `s${i}-store-first`, { fake: { data: FAKE_DATA } }),
        bothSources(ns, `e${i}-store-first`, `s${i}-store-first`),
        bothSources(ns, `e${i}-es-first`, `s${i}-es-first`),
        secretStore(ns, `s${i}-es-first`, { fake: { data: FAKE_DATA } }),
      ];
      const file = join(e.dir, `apply-${i}.yaml`);
      await writeFile(file, documents.map((d) => JSON.stringify(d)).join('\n---\n'));
      const applied = await run(KUBECTL, ['--kubeconfig', e.kubeconfigPath, 'apply', '-f', file]);
      assert.equal(applied.code, 0, applied.stderr);
      assert.equal(e.controller.exitReason(), undefined, `the controller exited after request ${i}`);
    }

    const list = async (plural: string) =>
      ((
        await e.custom.listNamespacedCustomObject({
          group: 'external.lockstep.dev',
          version: 'v1',
          namespace: ns,
          plural,
        })
      ).items ?? []) as Obj[];
    const notReady = async () => {
      const all = [...(await list('externalsecrets')), ...(await list('secretstores'))];
      const waiting = all.filter((o) => readyOf(o)?.status !== 'True').map((o) => `${o.kind}/${o.metadata?.name}`);
      return all.length === 4 * ITERATIONS && waiting.length === 0 ? 'all Ready' : undefined;
    };
    await waitFor(`all ${4 * ITERATIONS} objects Ready`, notReady, 90_000);

    for (const name of [`e0-es-first`, `e${ITERATIONS - 1}-store-first`, `e${ITERATIONS - 1}-es-first`]) {
      assert.deepEqual(await e.secret(ns, name), {
        'api-key': 'order-api-key-1',
        password: 'order-Passw0rd',
        username: 'order-user',
      });
    }
    const secrets = await e.core.listNamespacedSecret({ namespace: ns, labelSelector: 'lockstep.dev/managed=true' });
    assert.equal(secrets.items.length, 2 * ITERATIONS, 'one Secret per ExternalSecret');

    // The race this file is about did happen: some ExternalSecret ran before its store was cached.
    const events = await e.core.listNamespacedEvent({ namespace: ns });
    assert.ok(
      events.items.some(
        (ev) => ev.reason === 'SecretSyncedError' && /SecretStore ".*" not found/.test(ev.message ?? ''),
      ),
      'no ExternalSecret was reconciled before its store: the race was not exercised',
    );
    // Surviving is not enough: a rejection nobody awaited is a bug even when the process-level handler catches it.
    assert.equal(e.controller.exitReason(), undefined);
    assert.equal(counterValue(await e.controller.metrics(), 'lockstep_unexpected_errors_total'), 0);
    assert.deepEqual(
      e.controller.errorLines().filter((line) => /unhandled rejection|failed unexpectedly/.test(line)),
      [],
    );
    assert.deepEqual(await e.leaks(), []);
  });
});
