import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InvolvedObject } from '../runtime/event-recorder.ts';
import { announceSecretWrite, type SecretWritten, type WriteAnnouncer } from './announce-write.ts';

const ES: InvolvedObject = { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', namespace: 'a', name: 'x' };

function recorder() {
  const seen: string[] = [];
  const to: WriteAnnouncer = {
    events: {
      normal: (_o, reason, message) => seen.push(`event ${reason}: ${message}`),
      warning: (_o, reason) => seen.push(`warning ${reason}`),
    },
    rollout: {
      restart: async (ns, targets, value) => {
        seen.push(`restart ${ns} ${targets.map((t) => t.name).join(',')} ${value}`);
      },
      state: async () => 'Complete',
    },
    onSecretWrite: (op) => seen.push(`count write ${op}`),
    onRolloutRestart: () => seen.push('count restart'),
  };
  return { seen, to };
}

const write = (over: Partial<SecretWritten> = {}): SecretWritten => ({
  involved: ES,
  namespace: 'a',
  operation: 'update',
  event: { reason: 'Updated', message: 'Secret "x" written (DataChanged)' },
  targets: [{ kind: 'Deployment', name: 'api' }],
  ...over,
});

test('a data change is counted, announced, then the targets restarted, counted and announced, in that order', async () => {
  const { seen, to } = recorder();
  await announceSecretWrite(to, write({ restart: { value: 'v1', why: 'LeaseCapped' } }));
  assert.deepEqual(seen, [
    'count write update',
    'event Updated: Secret "x" written (DataChanged)',
    'restart a api v1',
    'count restart',
    'event RolloutRestarted: restarted Deployment/api (LeaseCapped)',
  ]);
});

test('no restart without a restart value or without targets; the write is still counted and announced', async () => {
  for (const w of [write({ operation: 'create' }), write({ targets: [], restart: { value: 'v2' } })]) {
    const { seen, to } = recorder();
    await announceSecretWrite(to, w);
    assert.deepEqual(seen, [`count write ${w.operation}`, `event Updated: ${w.event.message}`]);
  }
});

test('a failed restart is neither counted nor announced, and the caller sees the error', async () => {
  const { seen, to } = recorder();
  to.rollout.restart = async () => {
    throw new Error('forbidden');
  };
  await assert.rejects(announceSecretWrite(to, write({ restart: { value: 'v3' } })), /forbidden/);
  assert.deepEqual(seen, ['count write update', 'event Updated: Secret "x" written (DataChanged)']);
});
