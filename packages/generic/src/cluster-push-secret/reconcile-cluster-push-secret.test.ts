import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ClusterPushSecret } from '../api/cluster-push-secret.ts';
import type { PushSecret } from '../api/push-secret.ts';
import { desiredChild } from '../cluster-provisioning/child-kind.ts';
import { PUSH_SECRET_CHILD, planPushSecrets } from './reconcile-cluster-push-secret.ts';

const cps = {
  apiVersion: 'external.lockstep.dev/v1',
  kind: 'ClusterPushSecret',
  metadata: { name: 'copy', uid: 'uid-7' },
  spec: {
    pushSecretMetadata: { annotations: { owner: 'platform' } },
    namespaceSelectors: [{ matchLabels: { push: 'yes' } }],
    refreshTime: '1m',
    pushSecretSpec: {
      refreshInterval: '1h',
      secretStoreRefs: [{ name: 'local', kind: 'SecretStore' }],
      updatePolicy: 'Replace',
      deletionPolicy: 'Delete',
      selector: { secret: { name: 'app-creds' } },
      data: [{ match: { secretKey: 'k', remoteRef: { remoteKey: 'r' } }, conversionStrategy: 'None' }],
    },
  },
} as unknown as ClusterPushSecret;

describe('ClusterPushSecret provisioning plan', () => {
  test('creates a PushSecret named after the ClusterPushSecret, with its spec, metadata and an owner reference', () => {
    const plan = planPushSecrets(cps, ['a'], []);
    const action = plan.actions[0];
    assert.equal(action?.op, 'create');
    const body = action?.op === 'create' ? action.body : undefined;
    assert.equal(body?.kind, 'PushSecret');
    assert.equal(body?.metadata?.name, 'copy', 'pushSecretName defaults to the resource name');
    assert.equal(body?.metadata?.namespace, 'a');
    assert.equal(body?.metadata?.annotations?.owner, 'platform');
    assert.deepEqual(body?.metadata?.ownerReferences?.[0], {
      apiVersion: 'external.lockstep.dev/v1',
      kind: 'ClusterPushSecret',
      name: 'copy',
      uid: 'uid-7',
      controller: true,
      blockOwnerDeletion: true,
    });
    assert.deepEqual(body?.spec, cps.spec.pushSecretSpec);
  });

  test('deletes the PushSecret of a namespace no longer selected; leaves an up-to-date one alone', () => {
    const owned = (ns: string) => desiredChild(PUSH_SECRET_CHILD, cps, ns);
    const plan = planPushSecrets(cps, ['a'], [owned('a'), owned('b')]);
    assert.deepEqual(plan.actions, [{ op: 'delete', namespace: 'b', name: 'copy' }]);
    assert.deepEqual(plan.provisioned, ['a']);
  });

  test('never takes over a PushSecret it does not own, and says how to fix it', () => {
    const theirs = {
      apiVersion: 'external.lockstep.dev/v1',
      kind: 'PushSecret',
      metadata: { name: 'copy', namespace: 'a' },
    };
    const plan = planPushSecrets(cps, ['a'], [theirs as PushSecret]);
    assert.deepEqual(plan.actions, []);
    assert.deepEqual(plan.failed, [
      {
        namespace: 'a',
        reason:
          'PushSecret "copy" already exists in namespace "a" and is not owned by this ClusterPushSecret: rename it or set spec.pushSecretName',
      },
    ]);
  });
});
