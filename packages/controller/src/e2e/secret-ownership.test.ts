// Secret ownership through the real `lockstep` binary and a real kube-apiserver: Lockstep
// deletes, empties or replaces only a Secret it created for that very ExternalSecret, never
// marks a merged-into Secret as its own, refuses a Secret another ExternalSecret owns without
// flapping, and the API server rejects the policy combinations ESO rejects (CEL rules).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import { type E2e, refreshedTwice, startE2e, userSecret, waitForReady } from '../testing/e2e-harness.ts';
import { EXTERNAL, externalSecret, secretStore } from '../testing/external-resources.ts';
import { type Condition, readyOf } from '../testing/ready-condition.ts';
import { waitFor } from '../testing/wait-for.ts';

const MANAGED = 'lockstep.dev/managed';
const DATA = [
  { key: 'db-password', value: 'ownership-Passw0rd' },
  { key: 'api-token', value: 'ownership-api-token' },
];

describe('Secret ownership', () => {
  let e: E2e;
  let ns: string;
  const es = (name: string, spec: object) =>
    e.apply(externalSecret(ns, name, { refreshInterval: '1s', secretStoreRef: { name: 'fake' }, ...spec }));
  const ref = (name: string) => ({ kind: 'ExternalSecret', namespace: ns, name });
  const secretMeta = async (name: string) => (await e.core.readNamespacedSecret({ namespace: ns, name })).metadata;

  before(async () => {
    e = await startE2e({ file: 'ownership' });
    e.rememberSecretValues(...DATA.map((d) => d.value), 'foreign-value-kept');
    ns = await e.namespace('ownership');
    await e.apply(secretStore(ns, 'fake', { fake: { data: DATA } }));
    await waitForReady(e, { kind: 'SecretStore', namespace: ns, name: 'fake' }, 'True');
  });
  after(async () => {
    await e?.stop();
  });

  test('the API server rejects Delete+Merge, Delete+None and Merge+None, saying what to fix', async () => {
    const combos = [
      { creationPolicy: 'Merge', deletionPolicy: 'Delete', message: /deletionPolicy Delete deletes the target Secret/ },
      { creationPolicy: 'None', deletionPolicy: 'Delete', message: /set creationPolicy Owner \(or Orphan\)/ },
      {
        creationPolicy: 'None',
        deletionPolicy: 'Merge',
        message: /deletionPolicy Merge removes the keys Lockstep wrote/,
      },
    ];
    for (const [i, { message, ...target }] of combos.entries()) {
      const err = await es(`rejected-${i}`, {
        target,
        data: [{ secretKey: 'k', remoteRef: { key: 'db-password' } }],
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof ApiException, `${JSON.stringify(target)} was admitted`);
      assert.equal(err.code, 422);
      const body = typeof err.body === 'string' ? err.body : JSON.stringify(err.body);
      assert.match(body, message);
    }
    // The combinations ESO allows are admitted.
    await es('allowed-orphan-delete', {
      target: { creationPolicy: 'Orphan', deletionPolicy: 'Delete' },
      data: [{ secretKey: 'k', remoteRef: { key: 'db-password' } }],
    });
  });

  test('Merge into a Secret a user made: never marked as ours, and when the remote keys go the Secret and its own keys stay', async () => {
    await userSecret(e, ns, 'app-config', { 'foreign-key': 'foreign-value-kept' });
    const shrinking = [{ key: 'merged-pw', value: 'ownership-merged-pw' }];
    e.rememberSecretValues('ownership-merged-pw');
    await e.apply(secretStore(ns, 'shrinking', { fake: { data: shrinking } }));
    await es('merger', {
      secretStoreRef: { name: 'shrinking' },
      target: { name: 'app-config', creationPolicy: 'Merge', deletionPolicy: 'Merge' },
      data: [{ secretKey: 'pw', remoteRef: { key: 'merged-pw' } }],
    });
    await waitForReady(e, ref('merger'), 'True');
    assert.deepEqual(await e.secret(ns, 'app-config'), {
      'foreign-key': 'foreign-value-kept',
      pw: 'ownership-merged-pw',
    });
    const meta = await secretMeta('app-config');
    assert.equal(meta?.labels?.[MANAGED], undefined, 'a merged-into Secret is not marked as managed');
    assert.equal(meta?.ownerReferences, undefined, 'a merged-into Secret gets no owner');

    // The remote key disappears: the key Lockstep wrote goes, the Secret and the user's key stay.
    await e.apply(secretStore(ns, 'shrinking', { fake: { data: [] } }));
    await waitFor('the merged key to be removed', async () => {
      const data = await e.secret(ns, 'app-config');
      return data && !('pw' in data);
    });
    assert.deepEqual(await e.secret(ns, 'app-config'), { 'foreign-key': 'foreign-value-kept' });
    await refreshedTwice(e, ns, 'merger');
    assert.deepEqual(await e.secret(ns, 'app-config'), { 'foreign-key': 'foreign-value-kept' });
  });

  test("two ExternalSecrets naming one target: the second is refused, nothing flaps, and deleting it never deletes the first one's Secret", async () => {
    await es('first', {
      target: { name: 'shared' },
      data: [{ secretKey: 'pw', remoteRef: { key: 'db-password' } }],
    });
    await waitForReady(e, ref('first'), 'True');
    const firstUid = (await e.get(EXTERNAL, 'ExternalSecret', ns, 'first'))?.metadata?.uid;
    // The second one also has deletionPolicy Delete and a remote key that does not exist:
    // it must not delete the first one's Secret either.
    await es('second', {
      target: { name: 'shared', deletionPolicy: 'Delete' },
      data: [{ secretKey: 'other', remoteRef: { key: 'api-token' } }],
    });
    const refused = await waitForReady(e, ref('second'), 'False');
    assert.match(refused.message ?? '', /Secret "shared" belongs to ExternalSecret\/first/);
    const writes = e.secretWrites(ns, 'shared');

    // Make the second one reconcile again (a spec change), and let the first refresh twice more.
    await es('second', {
      refreshInterval: '2s',
      target: { name: 'shared', deletionPolicy: 'Delete' },
      data: [{ secretKey: 'gone', remoteRef: { key: 'no-such-remote-key' } }],
    });
    const generation = (await e.get(EXTERNAL, 'ExternalSecret', ns, 'second'))?.metadata?.generation;
    const again = await waitFor('the second ExternalSecret to look at the new spec', async () => {
      const c = readyOf(await e.get(EXTERNAL, 'ExternalSecret', ns, 'second')) as
        | (Condition & { observedGeneration?: number })
        | undefined;
      return c?.observedGeneration === generation ? c : undefined;
    });
    assert.equal(again.status, 'False');
    assert.match(again.message ?? '', /left in place: Secret "shared" belongs to ExternalSecret\/first/);
    await refreshedTwice(e, ns, 'first');

    assert.equal(e.secretWrites(ns, 'shared'), writes, 'no write to the shared Secret while both exist');
    const meta = await secretMeta('shared');
    assert.deepEqual(
      meta?.ownerReferences?.map((r) => r.uid),
      [firstUid],
    );
    assert.deepEqual(await e.secret(ns, 'shared'), { pw: 'ownership-Passw0rd' });

    await e.remove(EXTERNAL, 'ExternalSecret', ns, 'second');
    await waitFor(
      'the second ExternalSecret to be gone',
      async () => !(await e.get(EXTERNAL, 'ExternalSecret', ns, 'second')),
    );
    await refreshedTwice(e, ns, 'first');
    assert.deepEqual(await e.secret(ns, 'shared'), { pw: 'ownership-Passw0rd' });
  });

  test('Owner never takes over a Secret a user made, even one carrying the managed label', async () => {
    await userSecret(e, ns, 'users-own', { mine: 'foreign-value-kept' }, { labels: { [MANAGED]: 'true' } });
    await es('grabber', {
      target: { name: 'users-own' },
      data: [{ secretKey: 'pw', remoteRef: { key: 'db-password' } }],
    });
    const c = await waitForReady(e, ref('grabber'), 'False');
    assert.match(
      c.message ?? '',
      /Secret "users-own" already exists and was not created by Lockstep for this ExternalSecret/,
    );
    assert.deepEqual(await e.secret(ns, 'users-own'), { mine: 'foreign-value-kept' });
    assert.equal((await secretMeta('users-own'))?.ownerReferences, undefined);
  });

  test('Orphan with deletionPolicy Delete deletes the Secret it created when the remote keys go', async () => {
    e.rememberSecretValues('ownership-orphan-pw');
    await e.apply(secretStore(ns, 'orphan-store', { fake: { data: [{ key: 'o', value: 'ownership-orphan-pw' }] } }));
    await es('orphaner', {
      secretStoreRef: { name: 'orphan-store' },
      target: { name: 'orphaned', creationPolicy: 'Orphan', deletionPolicy: 'Delete' },
      data: [{ secretKey: 'o', remoteRef: { key: 'o' } }],
    });
    await waitFor('the Orphan Secret', () => e.secret(ns, 'orphaned'));
    assert.equal((await secretMeta('orphaned'))?.ownerReferences, undefined);
    await e.apply(secretStore(ns, 'orphan-store', { fake: { data: [] } }));
    await waitFor('the Orphan Secret to be deleted', async () => (await e.secret(ns, 'orphaned')) === undefined);
    assert.equal((await waitForReady(e, ref('orphaner'), 'True', { reason: 'SecretDeleted' })).reason, 'SecretDeleted');
  });

  test('no secret value appears in the controller log, Events or statuses', async () => {
    assert.deepEqual(await e.leaks(), []);
  });
});
