import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1Secret } from '@kubernetes/client-node';
import { DATA_MAC_ANNOTATION, MANAGED_LABEL } from './labels.ts';
import { decodeData, encodeData } from './secret-encoding.ts';
import { CREATED_FOR_ANNOTATION, mergeAnnotation, mergeRecords } from './secret-ownership.ts';
import { planSecretWrite, type WritePlanInput } from './secret-plan.ts';

const macKey = Buffer.from('0123456789abcdef0123456789abcdef');
const owner = { apiVersion: 'external.lockstep.dev/v1', kind: 'ExternalSecret', name: 'es', uid: 'uid-1' };
const bytes = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Buffer.from(v)]));
const text = (s: V1Secret) =>
  Object.fromEntries(Object.entries(decodeData(s.data)).map(([k, v]) => [k, Buffer.from(v).toString()]));

function userSecret(data: Record<string, string>, meta: V1Secret['metadata'] = {}): V1Secret {
  return {
    metadata: { name: 'target', namespace: 'ns', resourceVersion: '1', ...meta },
    data: encodeData(bytes(data)),
  };
}

function merge(existing: V1Secret | undefined, data: Record<string, string>, over: Partial<WritePlanInput> = {}) {
  return planSecretWrite({
    desired: { namespace: 'ns', name: 'target', data: bytes(data) },
    creationPolicy: 'Merge',
    owner,
    existing,
    macKey,
    ...over,
  });
}

/** The Secret after the plan ran (or as it was, when the plan writes nothing). */
function after(existing: V1Secret, plan: ReturnType<typeof merge>): V1Secret {
  if (plan.action === 'none') return existing;
  assert.ok(plan.action === 'replace', `expected a replace, got ${plan.action}`);
  return plan.body;
}

describe('Merge into a Secret somebody else created', () => {
  test('writes its keys, keeps foreign keys, and never claims the Secret', () => {
    const s = after(userSecret({ theirs: 'kept' }), merge(userSecret({ theirs: 'kept' }), { a: '1' }));
    assert.deepEqual(text(s), { theirs: 'kept', a: '1' });
    assert.equal(s.metadata?.labels?.[MANAGED_LABEL], undefined);
    assert.equal(s.metadata?.ownerReferences, undefined);
    assert.equal(s.metadata?.annotations?.[CREATED_FOR_ANNOTATION], undefined);
    assert.deepEqual(mergeRecords(s).get('uid-1')?.keys, ['a']);
  });

  test('a template label cannot mark the Secret as managed', () => {
    const plan = merge(
      userSecret({}),
      { a: '1' },
      {
        desired: {
          namespace: 'ns',
          name: 'target',
          data: bytes({ a: '1' }),
          labels: { [MANAGED_LABEL]: 'true', app: 'x' },
        },
      },
    );
    const s = after(userSecret({}), plan);
    assert.equal(s.metadata?.labels?.[MANAGED_LABEL], undefined);
    assert.equal(s.metadata?.labels?.app, 'x');
  });

  test('an unchanged refresh writes nothing', () => {
    const first = after(userSecret({ theirs: 'kept' }), merge(userSecret({ theirs: 'kept' }), { a: '1' }));
    assert.equal(merge(first, { a: '1' }).action, 'none');
  });

  test('keys it no longer renders are removed; keys it never wrote stay, even with the same name elsewhere', () => {
    const first = after(userSecret({ theirs: 'kept' }), merge(userSecret({ theirs: 'kept' }), { a: '1', b: '2' }));
    const second = after(first, merge(first, { a: '1' }));
    assert.deepEqual(text(second), { theirs: 'kept', a: '1' });
    assert.deepEqual(mergeRecords(second).get('uid-1')?.keys, ['a']);
  });

  test('when every remote key is gone (deletionPolicy Merge) its keys and record go, the Secret and foreign keys stay', () => {
    const first = after(userSecret({ theirs: 'kept' }), merge(userSecret({ theirs: 'kept' }), { a: '1' }));
    const emptied = after(first, merge(first, {}));
    assert.deepEqual(text(emptied), { theirs: 'kept' });
    assert.equal(emptied.metadata?.annotations?.[mergeAnnotation('uid-1')], undefined);
  });

  test('a key another resource merged is refused, naming that resource', () => {
    const first = after(userSecret({}), merge(userSecret({}), { shared: '1' }));
    const plan = merge(first, { shared: '2' }, { owner: { ...owner, name: 'es-b', uid: 'uid-2' } });
    assert.ok(plan.action === 'blocked');
    assert.equal(plan.reason, 'KeyConflict');
    assert.match(plan.message, /key "shared" .* already written by ExternalSecret\/es/);
    // A different key in the same Secret is fine.
    assert.equal(merge(first, { other: '2' }, { owner: { ...owner, name: 'es-b', uid: 'uid-2' } }).action, 'replace');
  });

  test('a Secret another resource owns is refused: its owner would rewrite it on every refresh', () => {
    const owned = userSecret(
      { x: 'y' },
      { ownerReferences: [{ ...owner, name: 'es-a', uid: 'uid-a', controller: true }] },
    );
    const plan = merge(owned, { a: '1' });
    assert.ok(plan.action === 'blocked');
    assert.equal(plan.reason, 'OwnedByOther');
    assert.match(plan.message, /belongs to ExternalSecret\/es-a/);
  });

  test('a hand edit of a merged key is repaired and called a drift', () => {
    const first = after(userSecret({}), merge(userSecret({}), { a: '1' }));
    const edited = { ...first, data: { ...first.data, a: Buffer.from('edited').toString('base64') } };
    const plan = merge(edited, { a: '1' });
    assert.ok(plan.action === 'replace');
    assert.equal(plan.reason, 'Drifted');
  });

  test('the data-hmac annotation of an older Lockstep is left where it is', () => {
    const legacy = userSecret({ a: '0' }, { annotations: { [DATA_MAC_ANNOTATION]: 'old' } });
    const s = after(legacy, merge(legacy, { a: '1' }));
    assert.equal(s.metadata?.annotations?.[DATA_MAC_ANNOTATION], 'old');
  });
});
