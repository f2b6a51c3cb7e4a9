import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1Secret } from '@kubernetes/client-node';
import { dataMac } from './data-mac.ts';
import { DATA_MAC_ANNOTATION, MANAGED_LABEL } from './labels.ts';
import { encodeData } from './secret-encoding.ts';
import { CREATED_FOR_ANNOTATION } from './secret-ownership.ts';
import { planSecretWrite, type WritePlanInput } from './secret-plan.ts';

const macKey = Buffer.from('0123456789abcdef0123456789abcdef');
const owner = {
  apiVersion: 'external.lockstep.dev/v1',
  kind: 'ExternalSecret',
  name: 'es',
  uid: 'uid-1',
  controller: true,
};
const data = { password: Buffer.from('hunter2'), user: Buffer.from('app') };

function input(over: Partial<WritePlanInput> = {}): WritePlanInput {
  return {
    desired: { namespace: 'ns', name: 'target', data },
    creationPolicy: 'Owner',
    owner,
    existing: undefined,
    macKey,
    ...over,
  };
}

function existingFrom(plan: ReturnType<typeof planSecretWrite>): V1Secret {
  assert.ok(plan.action === 'create' || plan.action === 'replace');
  return { ...plan.body, metadata: { ...plan.body.metadata, resourceVersion: '7' } };
}

describe('Secret write plan', () => {
  test('creates a missing Secret with the managed label, the data HMAC and the owner', () => {
    const plan = planSecretWrite(input());
    assert.equal(plan.action, 'create');
    assert.ok(plan.action === 'create');
    assert.equal(plan.body.metadata?.labels?.[MANAGED_LABEL], 'true');
    assert.equal(plan.body.metadata?.annotations?.[DATA_MAC_ANNOTATION], dataMac(macKey, data));
    assert.deepEqual(plan.body.metadata?.ownerReferences, [owner]);
    assert.deepEqual(plan.body.data, encodeData(data));
  });

  test('Orphan creates the Secret without an owner reference', () => {
    const plan = planSecretWrite(input({ creationPolicy: 'Orphan' }));
    assert.ok(plan.action === 'create');
    assert.equal(plan.body.metadata?.ownerReferences, undefined);
  });

  test('an unchanged refresh writes nothing', () => {
    const existing = existingFrom(planSecretWrite(input()));
    assert.equal(planSecretWrite(input({ existing })).action, 'none');
  });

  test('changed remote data replaces the Secret', () => {
    const existing = existingFrom(planSecretWrite(input()));
    const plan = planSecretWrite(
      input({
        existing,
        desired: { namespace: 'ns', name: 'target', data: { ...data, password: Buffer.from('new') } },
      }),
    );
    assert.equal(plan.action, 'replace');
    assert.ok(plan.action === 'replace');
    assert.equal(plan.reason, 'DataChanged');
    assert.equal(plan.body.metadata?.resourceVersion, '7');
  });

  test('a hand-edited Secret is repaired and the reason says it drifted', () => {
    const existing = existingFrom(planSecretWrite(input()));
    existing.data = { ...existing.data, password: Buffer.from('edited').toString('base64') };
    const plan = planSecretWrite(input({ existing }));
    assert.ok(plan.action === 'replace');
    assert.equal(plan.reason, 'Drifted');
    assert.deepEqual(plan.body.data, encodeData(data));
  });

  test('the HMAC is keyed: another key gives another value, so it is not a plain hash', () => {
    assert.notEqual(dataMac(macKey, data), dataMac(Buffer.from('another key'), data));
  });

  test('an existing Secret not managed by Lockstep is not taken over by Owner', () => {
    const existing: V1Secret = { metadata: { name: 'target', namespace: 'ns' }, data: {} };
    const plan = planSecretWrite(input({ existing }));
    assert.equal(plan.action, 'blocked');
    assert.ok(plan.action === 'blocked');
    assert.equal(plan.reason, 'NotOwned');
    assert.match(plan.message, /creationPolicy to Merge/);
  });

  test('the managed label alone does not make a Secret ours: Owner and Orphan leave it alone', () => {
    const existing: V1Secret = {
      metadata: { name: 'target', namespace: 'ns', labels: { [MANAGED_LABEL]: 'true' } },
      data: { theirs: Buffer.from('x').toString('base64') },
    };
    for (const creationPolicy of ['Owner', 'Orphan'] as const) {
      const plan = planSecretWrite(input({ creationPolicy, existing }));
      assert.ok(plan.action === 'blocked');
      assert.equal(plan.reason, 'NotOwned');
    }
  });

  test("another resource's Secret is never taken over, and the message names that resource", () => {
    const theirs = { ...owner, name: 'es-a', uid: 'uid-a' };
    const existing = existingFrom(planSecretWrite(input({ owner: theirs })));
    for (const creationPolicy of ['Owner', 'Orphan'] as const) {
      const plan = planSecretWrite(input({ creationPolicy, existing, adopt: true }));
      assert.ok(plan.action === 'blocked');
      assert.equal(plan.reason, 'OwnedByOther');
      assert.match(plan.message, /belongs to ExternalSecret\/es-a/);
    }
  });

  test('an Orphan Secret is recognised by its created-for annotation and refreshed', () => {
    const existing = existingFrom(planSecretWrite(input({ creationPolicy: 'Orphan' })));
    assert.equal(existing.metadata?.annotations?.[CREATED_FOR_ANNOTATION], 'ExternalSecret/es/uid-1');
    const changed = { namespace: 'ns', name: 'target', data: { password: Buffer.from('new') } };
    const plan = planSecretWrite(input({ creationPolicy: 'Orphan', existing, desired: changed }));
    assert.ok(plan.action === 'replace');
    const other = planSecretWrite(
      input({ creationPolicy: 'Orphan', existing, desired: changed, owner: { ...owner, uid: 'uid-2' } }),
    );
    assert.ok(other.action === 'blocked');
    assert.equal(other.reason, 'OwnedByOther');
  });

  test('adopt claims a Secret nobody owns: owner reference and created-for annotation', () => {
    const existing: V1Secret = {
      metadata: { name: 'target', namespace: 'ns', resourceVersion: '2' },
      data: { stale: Buffer.from('x').toString('base64') },
    };
    const plan = planSecretWrite(input({ existing, adopt: true }));
    assert.ok(plan.action === 'replace');
    assert.deepEqual(plan.body.metadata?.ownerReferences, [owner]);
    assert.equal(plan.body.metadata?.annotations?.[CREATED_FOR_ANNOTATION], 'ExternalSecret/es/uid-1');
    assert.deepEqual(plan.body.data, encodeData(data));
  });

  test('Merge adds keys to an existing Secret and keeps its other keys', () => {
    const existing: V1Secret = {
      metadata: { name: 'target', namespace: 'ns', resourceVersion: '3' },
      data: { keep: Buffer.from('mine').toString('base64') },
    };
    const plan = planSecretWrite(input({ creationPolicy: 'Merge', existing }));
    assert.ok(plan.action === 'replace');
    assert.deepEqual(Object.keys(plan.body.data ?? {}).sort(), ['keep', 'password', 'user']);
    assert.equal(plan.body.metadata?.ownerReferences, undefined);
  });

  test('Merge never creates the Secret and says what to do', () => {
    const plan = planSecretWrite(input({ creationPolicy: 'Merge' }));
    assert.ok(plan.action === 'blocked');
    assert.equal(plan.reason, 'SecretMissing');
  });

  test('None writes nothing', () => {
    assert.equal(planSecretWrite(input({ creationPolicy: 'None' })).action, 'none');
  });

  test('an immutable Secret whose data changed is not rewritten', () => {
    const existing = existingFrom(
      planSecretWrite(input({ desired: { namespace: 'ns', name: 'target', data, immutable: true } })),
    );
    const plan = planSecretWrite(
      input({ existing, desired: { namespace: 'ns', name: 'target', data: { x: Buffer.from('y') }, immutable: true } }),
    );
    assert.ok(plan.action === 'blocked');
    assert.equal(plan.reason, 'SecretImmutable');
  });

  test('no plan message carries a secret value', () => {
    const existing: V1Secret = { metadata: { name: 'target', namespace: 'ns' }, data: {} };
    for (const policy of ['Owner', 'Merge'] as const) {
      const plan = planSecretWrite(
        input({ creationPolicy: policy, existing: policy === 'Merge' ? undefined : existing }),
      );
      assert.ok(plan.action === 'blocked');
      assert.ok(!plan.message.includes('hunter2'));
    }
  });
});
