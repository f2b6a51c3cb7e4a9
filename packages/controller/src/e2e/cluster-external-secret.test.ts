// ClusterExternalSecret through the real `lockstep` binary: one ExternalSecret stamped into
// every namespace its selectors match, following namespace labels as they change, with
// status.provisionedNamespaces / failedNamespaces and a Ready condition.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type E2e, startE2e, waitForReady } from '../testing/e2e-harness.ts';
import { clusterSecretStore, EXTERNAL, externalSecret, type Obj } from '../testing/external-resources.ts';
import { waitFor } from '../testing/wait-for.ts';

describe('ClusterExternalSecret', () => {
  let e: E2e;
  let store: string;
  const ces = (name: string, spec: object): Obj => ({
    apiVersion: EXTERNAL,
    kind: 'ClusterExternalSecret',
    metadata: { name },
    spec,
  });
  const setLabels = async (name: string, labels: Record<string, string>) => {
    const ns = await e.core.readNamespace({ name });
    await e.core.replaceNamespace({ name, body: { ...ns, metadata: { ...ns.metadata, labels } } });
  };

  before(async () => {
    e = await startE2e({ file: 'ces' });
    store = e.unique('fake');
    e.rememberSecretValues('ces-shared-value');
    await e.apply(clusterSecretStore(store, { fake: { data: [{ key: 'shared', value: 'ces-shared-value' }] } }));
  });
  after(async () => {
    await e?.stop();
  });

  test('provisions the ExternalSecret into labelled namespaces and follows labels as they change', async () => {
    const a = await e.namespace('team-a', { 'lockstep.dev/shared': 'yes' });
    const b = await e.namespace('team-b', { environment: 'dev' });
    const c = await e.namespace('team-c');
    const name = e.unique('shared');
    await e.apply(
      ces(name, {
        externalSecretName: 'shared-es',
        externalSecretMetadata: { labels: { team: 'platform' }, annotations: { owner: 'platform-team' } },
        namespaceSelectors: [
          { matchLabels: { 'lockstep.dev/shared': 'yes' } },
          { matchExpressions: [{ key: 'environment', operator: 'In', values: ['dev', 'staging'] }] },
        ],
        refreshTime: '1s',
        externalSecretSpec: {
          secretStoreRef: { name: store, kind: 'ClusterSecretStore' },
          refreshInterval: '1h',
          target: { name: 'shared-secret' },
          data: [{ secretKey: 'value', remoteRef: { key: 'shared' } }],
        },
      }),
    );
    for (const ns of [a, b]) {
      assert.deepEqual(await waitFor(`the Secret in ${ns}`, () => e.secret(ns, 'shared-secret')), {
        value: 'ces-shared-value',
      });
    }
    const es = await e.get(EXTERNAL, 'ExternalSecret', a, 'shared-es');
    assert.equal(es?.metadata?.labels?.team, 'platform');
    assert.equal(es?.metadata?.annotations?.owner, 'platform-team');
    assert.equal(es?.metadata?.ownerReferences?.[0]?.kind, 'ClusterExternalSecret');
    assert.equal(await e.get(EXTERNAL, 'ExternalSecret', c, 'shared-es'), undefined);
    const ready = await waitForReady(e, { kind: 'ClusterExternalSecret', name }, 'True');
    assert.equal(ready.reason, 'Provisioned');
    const provisioned = async () =>
      ((await e.get(EXTERNAL, 'ClusterExternalSecret', undefined, name))?.status?.provisionedNamespaces ??
        []) as string[];
    assert.deepEqual(await provisioned(), [a, b].sort());

    // A namespace labelled later gets its ExternalSecret; one that loses its label loses it.
    await setLabels(c, { environment: 'staging' });
    await waitFor('the Secret in the newly labelled namespace', () => e.secret(c, 'shared-secret'));
    await setLabels(a, {});
    await waitFor(
      'the ExternalSecret to leave the unlabelled namespace',
      async () => (await e.get(EXTERNAL, 'ExternalSecret', a, 'shared-es')) === undefined,
    );
    await waitFor('provisionedNamespaces to follow', async () => {
      const now = await provisioned();
      return JSON.stringify(now) === JSON.stringify([b, c].sort());
    });

    // An ExternalSecret deleted by hand comes back; one edited by hand is put back.
    await e.remove(EXTERNAL, 'ExternalSecret', b, 'shared-es');
    await waitFor('the ExternalSecret to come back', () => e.get(EXTERNAL, 'ExternalSecret', b, 'shared-es'));

    // Changing the spec changes every provisioned ExternalSecret.
    const current = (await e.get(EXTERNAL, 'ClusterExternalSecret', undefined, name)) as Obj;
    await e.apply({
      ...current,
      spec: {
        ...current.spec,
        externalSecretSpec: {
          ...current.spec.externalSecretSpec,
          data: [{ secretKey: 'renamed', remoteRef: { key: 'shared' } }],
        },
      },
    });
    for (const ns of [b, c]) {
      await waitFor(
        `the new key in ${ns}`,
        async () => (await e.secret(ns, 'shared-secret'))?.renamed === 'ces-shared-value',
      );
    }

    // Deleting the ClusterExternalSecret removes the ExternalSecrets it made.
    await e.remove(EXTERNAL, 'ClusterExternalSecret', undefined, name);
    for (const ns of [b, c]) {
      await waitFor(
        `the ExternalSecret in ${ns} to go`,
        async () => (await e.get(EXTERNAL, 'ExternalSecret', ns, 'shared-es')) === undefined,
      );
    }
  });

  test('a namespace where the name is taken is reported in failedNamespaces and Ready=False', async () => {
    const ok = await e.namespace('ok', { tier: 'gold' });
    const taken = await e.namespace('taken', { tier: 'gold' });
    await e.apply(
      externalSecret(taken, 'gold-es', {
        secretStoreRef: { name: store, kind: 'ClusterSecretStore' },
        data: [{ secretKey: 'mine', remoteRef: { key: 'shared' } }],
      }),
    );
    const name = e.unique('gold');
    await e.apply(
      ces(name, {
        externalSecretName: 'gold-es',
        namespaceSelectors: [{ matchLabels: { tier: 'gold' } }],
        externalSecretSpec: {
          secretStoreRef: { name: store, kind: 'ClusterSecretStore' },
          data: [{ secretKey: 'value', remoteRef: { key: 'shared' } }],
        },
      }),
    );
    const cond = await waitForReady(e, { kind: 'ClusterExternalSecret', name }, 'False');
    assert.equal(cond.reason, 'ProvisionFailed');
    assert.match(cond.message ?? '', new RegExp(taken));
    const status = (await e.get(EXTERNAL, 'ClusterExternalSecret', undefined, name))?.status;
    assert.deepEqual(status?.provisionedNamespaces, [ok]);
    assert.equal(status?.failedNamespaces?.[0]?.namespace, taken);
    assert.match(
      status?.failedNamespaces?.[0]?.reason ?? '',
      /already exists .* not owned by this ClusterExternalSecret/,
    );
    // The user's own ExternalSecret is left alone.
    const theirs = await e.get(EXTERNAL, 'ExternalSecret', taken, 'gold-es');
    assert.equal(theirs?.metadata?.ownerReferences, undefined);
    assert.equal(theirs?.spec?.data?.[0]?.secretKey, 'mine');
  });

  test('no secret value appears in the controller log, Events or statuses', async () => {
    assert.deepEqual(await e.leaks(), []);
  });
});
