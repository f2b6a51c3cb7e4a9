import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conditionsEqual, getCondition, isReady, removeCondition, setCondition } from './conditions.ts';

const t0 = new Date('2026-03-01T10:00:00.123Z');
const t1 = new Date('2026-03-01T11:00:00Z');
const t2 = new Date('2026-03-01T12:00:00Z');

describe('conditions', () => {
  it('adds a condition with the transition time in whole seconds', () => {
    const list = setCondition(
      undefined,
      { type: 'Ready', status: 'True', reason: 'SecretSynced', observedGeneration: 3 },
      t0,
    );
    assert.deepEqual(list, [
      {
        type: 'Ready',
        status: 'True',
        reason: 'SecretSynced',
        message: '',
        lastTransitionTime: '2026-03-01T10:00:00Z',
        observedGeneration: 3,
      },
    ]);
  });

  it('keeps lastTransitionTime while the status stays the same, even if reason or message change', () => {
    let list = setCondition([], { type: 'Ready', status: 'False', reason: 'VaultUnavailable', message: 'sealed' }, t0);
    list = setCondition(list, { type: 'Ready', status: 'False', reason: 'VaultThrottled', message: '429' }, t1);
    assert.equal(getCondition(list, 'Ready')?.lastTransitionTime, '2026-03-01T10:00:00Z');
    assert.equal(getCondition(list, 'Ready')?.reason, 'VaultThrottled');
    list = setCondition(list, { type: 'Ready', status: 'True', reason: 'SecretSynced' }, t2);
    assert.equal(getCondition(list, 'Ready')?.lastTransitionTime, '2026-03-01T12:00:00Z');
  });

  it('leaves other conditions and their order alone', () => {
    let list = setCondition([], { type: 'Ready', status: 'True', reason: 'Synced' }, t0);
    list = setCondition(list, { type: 'LeaseRenewed', status: 'True', reason: 'Renewed' }, t0);
    list = setCondition(list, { type: 'Ready', status: 'False', reason: 'Failed' }, t1);
    assert.deepEqual(
      list.map((c) => [c.type, c.status]),
      [
        ['Ready', 'False'],
        ['LeaseRenewed', 'True'],
      ],
    );
    assert.deepEqual(
      removeCondition(list, 'LeaseRenewed').map((c) => c.type),
      ['Ready'],
    );
  });

  it('reports an unchanged refresh as equal so no status patch is needed', () => {
    const before = setCondition([], { type: 'Ready', status: 'True', reason: 'SecretSynced', message: 'ok' }, t0);
    const after = setCondition(before, { type: 'Ready', status: 'True', reason: 'SecretSynced', message: 'ok' }, t2);
    assert.ok(conditionsEqual(before, after));
    const changed = setCondition(before, { type: 'Ready', status: 'True', reason: 'SecretSynced', message: 'new' }, t2);
    assert.ok(!conditionsEqual(before, changed));
  });

  it('refuses a reason the API server would reject', () => {
    assert.throws(
      () => setCondition([], { type: 'Ready', status: 'False', reason: 'not camel case' }, t0),
      /CamelCase/,
    );
    assert.throws(() => setCondition([], { type: 'Ready', status: 'False', reason: '' }, t0), /CamelCase/);
  });

  it('truncates messages to the metav1 limit', () => {
    const list = setCondition(
      [],
      { type: 'Ready', status: 'False', reason: 'Failed', message: 'x'.repeat(40_000) },
      t0,
    );
    assert.equal(getCondition(list, 'Ready')?.message?.length, 32768);
  });

  it('is ready only with Ready=True observed for the current generation', () => {
    const ready = setCondition([], { type: 'Ready', status: 'True', reason: 'Synced', observedGeneration: 2 }, t0);
    assert.equal(isReady({ metadata: { generation: 2 }, status: { conditions: ready } }), true);
    assert.equal(isReady({ metadata: { generation: 3 }, status: { conditions: ready } }), false);
    const notReady = setCondition(
      ready,
      { type: 'Ready', status: 'False', reason: 'Failed', observedGeneration: 2 },
      t1,
    );
    assert.equal(isReady({ metadata: { generation: 2 }, status: { conditions: notReady } }), false);
    assert.equal(isReady({ status: {} }), false);
  });
});
