import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1OwnerReference, V1Secret } from '@kubernetes/client-node';
import { MANAGED_LABEL } from './labels.ts';
import {
  CREATED_FOR_ANNOTATION,
  mergeAnnotation,
  mergedData,
  mergeRecords,
  ownershipRefusal,
  secretOwnership,
} from './secret-ownership.ts';

const ref = (uid: string, name: string, controller = true): V1OwnerReference => ({
  apiVersion: 'external.lockstep.dev/v1',
  kind: 'ExternalSecret',
  name,
  uid,
  controller,
});

function secret(meta: V1Secret['metadata'] = {}, data: Record<string, string> = {}): V1Secret {
  return { metadata: { name: 'target', namespace: 'ns', ...meta }, data };
}

describe('Secret ownership', () => {
  test('no Secret is Absent', () => {
    assert.deepEqual(secretOwnership(undefined, 'uid-1'), { state: 'Absent' });
  });

  test('the controller ownerReference with our uid makes it ours', () => {
    assert.deepEqual(secretOwnership(secret({ ownerReferences: [ref('uid-1', 'es')] }), 'uid-1'), {
      state: 'Ours',
      via: 'ownerReference',
    });
  });

  test('a controller ownerReference with another uid names the other owner', () => {
    assert.deepEqual(secretOwnership(secret({ ownerReferences: [ref('uid-a', 'es-a')] }), 'uid-1'), {
      state: 'OwnedByOther',
      owner: 'ExternalSecret/es-a',
    });
  });

  test('a non-controller ownerReference with our uid proves nothing', () => {
    assert.deepEqual(secretOwnership(secret({ ownerReferences: [ref('uid-1', 'es', false)] }), 'uid-1'), {
      state: 'Unowned',
    });
  });

  test('the managed label proves nothing', () => {
    assert.deepEqual(secretOwnership(secret({ labels: { [MANAGED_LABEL]: 'true' } }), 'uid-1'), { state: 'Unowned' });
  });

  test('without a controller, the created-for annotation decides (Orphan)', () => {
    const orphan = secret({ annotations: { [CREATED_FOR_ANNOTATION]: 'ExternalSecret/es/uid-1' } });
    assert.deepEqual(secretOwnership(orphan, 'uid-1'), { state: 'Ours', via: 'annotation' });
    assert.deepEqual(secretOwnership(orphan, 'uid-2'), { state: 'OwnedByOther', owner: 'ExternalSecret/es' });
  });

  test('a controller ownerReference wins over the annotation', () => {
    const both = secret({
      ownerReferences: [ref('uid-a', 'es-a')],
      annotations: { [CREATED_FOR_ANNOTATION]: 'ExternalSecret/es/uid-1' },
    });
    assert.equal(secretOwnership(both, 'uid-1').state, 'OwnedByOther');
  });

  test('the refusal names the other owner and what to do', () => {
    const msg = ownershipRefusal('target', { state: 'OwnedByOther', owner: 'ExternalSecret/es-a' }, 'ExternalSecret');
    assert.match(msg, /Secret "target" belongs to ExternalSecret\/es-a/);
    assert.match(msg, /another target Secret name/);
  });

  test('merge records are read per uid; a hand-mangled record is ignored', () => {
    const s = secret(
      {
        annotations: {
          [mergeAnnotation('uid-1')]: JSON.stringify({ owner: 'ExternalSecret/es', keys: ['a', 'gone'] }),
          [mergeAnnotation('uid-2')]: '{not json',
          unrelated: 'x',
        },
      },
      { a: 'QQ==', b: 'Qg==' },
    );
    assert.deepEqual([...mergeRecords(s).keys()], ['uid-1']);
    assert.deepEqual(mergedData(s, 'uid-1'), { a: 'QQ==' });
    assert.equal(mergedData(s, 'uid-2'), undefined);
  });
});
