import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { restartPatch, restartValue, rolloutState } from './rollout-targets.ts';

describe('rollout restart targets', () => {
  test('two rotations in the same millisecond get different restart values', () => {
    const now = new Date('2026-11-28T10:00:00.000Z');
    assert.notEqual(restartValue(now, 'rotation-a'), restartValue(now, 'rotation-b'));
    assert.equal(restartValue(now, 'r1'), restartValue(now, 'r1'));
  });

  test('a Deployment restart patches the pod template annotation', () => {
    assert.deepEqual(restartPatch({ kind: 'Deployment', name: 'web' }, 'v', 'lockstep.dev/restartedAt'), {
      spec: { template: { metadata: { annotations: { 'lockstep.dev/restartedAt': 'v' } } } },
    });
  });

  test('an argo Rollout restart sets spec.restartAt', () => {
    const patch = restartPatch({ kind: 'argo.Rollout', name: 'web' }, restartValue(new Date(0), 'x'), 'a') as {
      spec: { restartAt: string };
    };
    assert.equal(patch.spec.restartAt, '1970-01-01T00:00:00.000Z');
  });

  test('a Deployment whose new generation is not observed yet is progressing', () => {
    const obj = {
      metadata: { generation: 3 },
      spec: { replicas: 2 },
      status: { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 },
    };
    assert.equal(rolloutState({ kind: 'Deployment', name: 'x' }, obj), 'Progressing');
    obj.status.observedGeneration = 3;
    assert.equal(rolloutState({ kind: 'Deployment', name: 'x' }, obj), 'Complete');
  });

  test('old replicas still running mean progressing', () => {
    const obj = {
      metadata: { generation: 1 },
      spec: { replicas: 2 },
      status: { observedGeneration: 1, replicas: 3, updatedReplicas: 2, availableReplicas: 2 },
    };
    assert.equal(rolloutState({ kind: 'Deployment', name: 'x' }, obj), 'Progressing');
  });

  test('a missing target is reported as missing', () => {
    assert.equal(rolloutState({ kind: 'StatefulSet', name: 'x' }, undefined), 'Missing');
  });
});
