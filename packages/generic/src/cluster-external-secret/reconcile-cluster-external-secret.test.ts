import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1Namespace } from '@kubernetes/client-node';
import type { ClusterExternalSecret } from '../api/cluster-external-secret.ts';
import type { ExternalSecret } from '../api/external-secret.ts';
import { selectNamespaces } from '../cluster-provisioning/namespace-selection.ts';
import { desiredExternalSecret } from './desired-external-secret.ts';
import { planProvisioning } from './reconcile-cluster-external-secret.ts';

const ns = (name: string, labels: Record<string, string> = {}, terminating = false): V1Namespace => ({
  metadata: { name, labels, ...(terminating ? { deletionTimestamp: new Date() } : {}) },
});

const ces = {
  apiVersion: 'external.lockstep.dev/v1',
  kind: 'ClusterExternalSecret',
  metadata: { name: 'shared', uid: 'uid-1' },
  spec: {
    externalSecretName: 'shared-es',
    externalSecretMetadata: { labels: { team: 'platform' } },
    namespaceSelectors: [{ matchLabels: { shared: 'yes' } }],
    refreshTime: '1m',
    externalSecretSpec: {
      secretStoreRef: { name: 'store', kind: 'ClusterSecretStore' },
      target: { creationPolicy: 'Owner', deletionPolicy: 'Retain' },
      refreshInterval: '1h',
      refreshPolicy: 'Periodic',
      data: [{ secretKey: 'k', remoteRef: { key: 'k' } }],
    },
  },
} as unknown as ClusterExternalSecret;

describe('ClusterExternalSecret namespace selection', () => {
  test('a namespace matching any selector, or named in namespaces, is selected; a terminating one never', () => {
    const picked = selectNamespaces(
      {
        namespaceSelectors: [{ matchLabels: { a: '1' } }, { matchExpressions: [{ key: 'b', operator: 'Exists' }] }],
        namespaces: ['named'],
      },
      [ns('one', { a: '1' }), ns('two', { b: 'x' }), ns('three'), ns('named'), ns('gone', { a: '1' }, true)],
    );
    assert.deepEqual(picked, ['named', 'one', 'two']);
  });

  test('no selectors select nothing', () => {
    assert.deepEqual(selectNamespaces({}, [ns('one')]), []);
  });
});

describe('ClusterExternalSecret provisioning plan', () => {
  const owned = (namespace: string): ExternalSecret => desiredExternalSecret(ces, namespace);

  test('creates the ExternalSecret where it is missing, with the metadata and an owner reference', () => {
    const plan = planProvisioning(ces, ['a'], []);
    assert.equal(plan.actions.length, 1);
    const action = plan.actions[0];
    assert.equal(action?.op, 'create');
    const body = action?.op === 'create' ? action.body : undefined;
    assert.equal(body?.metadata?.name, 'shared-es');
    assert.equal(body?.metadata?.labels?.team, 'platform');
    assert.equal(body?.metadata?.ownerReferences?.[0]?.uid, 'uid-1');
    assert.deepEqual(plan.provisioned, ['a']);
  });

  test('leaves an up-to-date ExternalSecret alone and deletes one in a namespace no longer selected', () => {
    const plan = planProvisioning(ces, ['a'], [owned('a'), owned('b')]);
    assert.deepEqual(plan.actions, [{ op: 'delete', namespace: 'b', name: 'shared-es' }]);
    assert.deepEqual(plan.provisioned, ['a']);
  });

  test('updates an ExternalSecret whose spec drifted from the template', () => {
    const drifted = owned('a');
    drifted.spec = { ...drifted.spec, refreshInterval: '5m' };
    const plan = planProvisioning(ces, ['a'], [drifted]);
    assert.equal(plan.actions[0]?.op, 'update');
  });

  test("never takes over someone else's ExternalSecret of the same name", () => {
    const theirs = { ...owned('a'), metadata: { name: 'shared-es', namespace: 'a' } } as ExternalSecret;
    const plan = planProvisioning(ces, ['a'], [theirs]);
    assert.deepEqual(plan.actions, []);
    assert.equal(plan.failed[0]?.namespace, 'a');
    assert.match(plan.failed[0]?.reason ?? '', /not owned by this ClusterExternalSecret/);
  });
});
