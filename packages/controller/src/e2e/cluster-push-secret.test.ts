// ClusterPushSecret through the real `lockstep` binary: one PushSecret stamped into every
// namespace its selectors match, each pushing a Secret of its own namespace only (a namespace
// without that Secret fails, it never reads another's), following labels as they change,
// deletionPolicy Delete removing what a departed PushSecret pushed, and bad-input rows.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import { grantSecretAccess } from '@lockstep/sandbox';
import { type E2e, startE2e, userSecret, waitForReady } from '../testing/e2e-harness.ts';
import { EXTERNAL, type Obj, secretStore } from '../testing/external-resources.ts';
import { waitFor } from '../testing/wait-for.ts';

describe('ClusterPushSecret', () => {
  let e: E2e;
  const cps = (name: string, spec: object): Obj => ({
    apiVersion: EXTERNAL,
    kind: 'ClusterPushSecret',
    metadata: { name },
    spec,
  });
  const setLabels = async (name: string, labels: Record<string, string>) => {
    const ns = await e.core.readNamespace({ name });
    await e.core.replaceNamespace({ name, body: { ...ns, metadata: { ...ns.metadata, labels } } });
  };
  /** A namespace with a kubernetes store that pushes into that same namespace, and (when given) the source Secret. */
  async function tenant(prefix: string, labels: Record<string, string>, value?: string): Promise<string> {
    const ns = await e.namespace(prefix, labels);
    await e.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'pusher' } } });
    await grantSecretAccess(e.kc, ns, { namespace: ns, name: 'pusher' }, ['get', 'list', 'create', 'update', 'delete']);
    await e.apply(
      secretStore(ns, 'local', {
        kubernetes: { remoteNamespace: ns, auth: { serviceAccount: { name: 'pusher' } } },
      }),
    );
    if (value !== undefined) {
      e.rememberSecretValues(value);
      await userSecret(e, ns, 'app-creds', { password: value });
    }
    return ns;
  }
  const pushSpec = {
    refreshInterval: '1h',
    deletionPolicy: 'Delete',
    secretStoreRefs: [{ name: 'local', kind: 'SecretStore' }],
    selector: { secret: { name: 'app-creds' } },
    data: [{ match: { secretKey: 'password', remoteRef: { remoteKey: 'pushed-copy', property: 'password' } } }],
  };
  const pushed = async (ns: string) => (await e.secret(ns, 'pushed-copy'))?.password;

  before(async () => {
    e = await startE2e({ file: 'cps' });
  });
  after(async () => {
    await e?.stop();
  });

  test('provisions a PushSecret per selected namespace, each pushing its own Secret, and follows labels', async () => {
    const a = await tenant('cps-a', { 'lockstep.dev/push': 'yes' }, 'cps-value-a');
    const b = await tenant('cps-b', { environment: 'dev' }, 'cps-value-b');
    const c = await tenant('cps-c', {}, 'cps-value-c');
    const name = e.unique('copy');
    await e.apply(
      cps(name, {
        pushSecretName: 'copy-creds',
        pushSecretMetadata: { labels: { team: 'platform' }, annotations: { owner: 'platform-team' } },
        namespaceSelectors: [
          { matchLabels: { 'lockstep.dev/push': 'yes' } },
          { matchExpressions: [{ key: 'environment', operator: 'In', values: ['dev'] }] },
        ],
        refreshTime: '1s',
        pushSecretSpec: pushSpec,
      }),
    );
    // Each namespace's PushSecret pushed that namespace's value, never another's.
    assert.equal(await waitFor(`pushed in ${a}`, () => pushed(a)), 'cps-value-a');
    assert.equal(await waitFor(`pushed in ${b}`, () => pushed(b)), 'cps-value-b');
    const ps = await e.get(EXTERNAL, 'PushSecret', a, 'copy-creds');
    assert.equal(ps?.metadata?.labels?.team, 'platform');
    assert.equal(ps?.metadata?.annotations?.owner, 'platform-team');
    assert.equal(ps?.metadata?.ownerReferences?.[0]?.kind, 'ClusterPushSecret');
    assert.equal(await e.get(EXTERNAL, 'PushSecret', c, 'copy-creds'), undefined);
    const ready = await waitForReady(e, { kind: 'ClusterPushSecret', name }, 'True');
    assert.equal(ready.reason, 'Provisioned');
    const status = async () => (await e.get(EXTERNAL, 'ClusterPushSecret', undefined, name))?.status;
    assert.deepEqual((await status())?.provisionedNamespaces, [a, b].sort());
    assert.equal((await status())?.pushSecretName, 'copy-creds');

    // Labelled later: provisioned. Unlabelled: its PushSecret goes, and deletionPolicy Delete
    // removes what it pushed.
    await setLabels(c, { 'lockstep.dev/push': 'yes' });
    assert.equal(await waitFor(`pushed in ${c}`, () => pushed(c)), 'cps-value-c');
    await setLabels(a, {});
    await waitFor(
      'the PushSecret to leave the unlabelled namespace',
      async () => (await e.get(EXTERNAL, 'PushSecret', a, 'copy-creds')) === undefined,
    );
    await waitFor('what it pushed to be removed', async () => (await e.secret(a, 'pushed-copy')) === undefined);
    await waitFor(
      'provisionedNamespaces to follow',
      async () => JSON.stringify((await status())?.provisionedNamespaces) === JSON.stringify([b, c].sort()),
    );

    // A PushSecret deleted by hand comes back; a spec change reaches every PushSecret.
    await e.remove(EXTERNAL, 'PushSecret', b, 'copy-creds');
    await waitFor('the PushSecret to come back', () => e.get(EXTERNAL, 'PushSecret', b, 'copy-creds'));
    const current = (await e.get(EXTERNAL, 'ClusterPushSecret', undefined, name)) as Obj;
    await e.apply({
      ...current,
      spec: {
        ...current.spec,
        pushSecretSpec: {
          ...pushSpec,
          data: [{ match: { secretKey: 'password', remoteRef: { remoteKey: 'pushed-copy', property: 'renamed' } } }],
        },
      },
    });
    for (const ns of [b, c]) {
      await waitFor(`the renamed property in ${ns}`, async () => (await e.secret(ns, 'pushed-copy'))?.renamed);
    }

    // Deleting the ClusterPushSecret removes its PushSecrets, and they remove what they pushed.
    await e.remove(EXTERNAL, 'ClusterPushSecret', undefined, name);
    for (const ns of [b, c]) {
      await waitFor(
        `the PushSecret in ${ns} to go`,
        async () => (await e.get(EXTERNAL, 'PushSecret', ns, 'copy-creds')) === undefined,
      );
      await waitFor(`what it pushed in ${ns} to go`, async () => (await e.secret(ns, 'pushed-copy')) === undefined);
    }
  });

  test('bad input: a taken name is a failed namespace; a missing source Secret fails only that PushSecret', async () => {
    const ok = await tenant('cps-ok', { tier: 'gold' }, 'cps-gold-ok');
    const empty = await tenant('cps-empty', { tier: 'gold' });
    const taken = await tenant('cps-taken', { tier: 'gold' }, 'cps-gold-taken');
    await e.apply({
      apiVersion: EXTERNAL,
      kind: 'PushSecret',
      metadata: { name: 'gold-push', namespace: taken },
      spec: { ...pushSpec, data: [{ match: { secretKey: 'password', remoteRef: { remoteKey: 'mine' } } }] },
    });
    const name = e.unique('gold');
    await e.apply(
      cps(name, {
        pushSecretName: 'gold-push',
        namespaceSelectors: [{ matchLabels: { tier: 'gold' } }],
        pushSecretSpec: pushSpec,
      }),
    );
    const cond = await waitForReady(e, { kind: 'ClusterPushSecret', name }, 'False');
    assert.equal(cond.reason, 'ProvisionFailed');
    assert.match(cond.message ?? '', new RegExp(taken));
    const status = (await e.get(EXTERNAL, 'ClusterPushSecret', undefined, name))?.status;
    assert.deepEqual(status?.provisionedNamespaces, [empty, ok].sort());
    assert.equal(status?.failedNamespaces?.[0]?.namespace, taken);
    assert.match(status?.failedNamespaces?.[0]?.reason ?? '', /already exists .* not owned by this ClusterPushSecret/);
    const theirs = await e.get(EXTERNAL, 'PushSecret', taken, 'gold-push');
    assert.equal(theirs?.metadata?.ownerReferences, undefined, "the user's own PushSecret is left alone");
    // The namespace without the source Secret: its PushSecret says so; nothing is pushed there.
    assert.equal(await waitFor(`pushed in ${ok}`, () => pushed(ok)), 'cps-gold-ok');
    const failed = await waitForReady(e, { kind: 'PushSecret', namespace: empty, name: 'gold-push' }, 'False');
    assert.match(failed.message ?? '', new RegExp(`Secret "app-creds" not found in namespace "${empty}"`));
    assert.equal(await e.secret(empty, 'pushed-copy'), undefined);
  });

  test('a malformed ClusterPushSecret is rejected at admission with a 422 that names the field', async () => {
    const rows = [
      { spec: { pushSecretName: 'Not_A_Name', pushSecretSpec: pushSpec }, message: /pushSecretName/ },
      { spec: { namespaceSelectors: [{ matchLabels: { a: 'b' } }] }, message: /pushSecretSpec/ },
      { spec: { refreshTime: 'soon', pushSecretSpec: pushSpec }, message: /refreshTime/ },
    ];
    for (const [i, row] of rows.entries()) {
      await assert.rejects(e.apply(cps(e.unique(`admission-${i}`), row.spec)), (err: unknown) => {
        assert.ok(err instanceof ApiException);
        assert.equal(err.code, 422);
        assert.match(typeof err.body === 'string' ? err.body : JSON.stringify(err.body), row.message);
        return true;
      });
    }
  });

  test('no secret value appears in the controller log, Events or statuses', async () => {
    assert.deepEqual(await e.leaks(), []);
  });
});
