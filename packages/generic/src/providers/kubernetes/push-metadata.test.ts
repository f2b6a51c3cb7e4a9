import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkKubernetesPushMetadata, pushedSecretMetadata } from './push-metadata.ts';

const mark = { 'lockstep.dev/pushed-by': 'lockstep' };
const meta = (spec: object) => ({
  apiVersion: 'kubernetes.external-secrets.io/v1alpha1',
  kind: 'PushSecretMetadata',
  spec,
});
const existing = { labels: { keep: 'me', app: 'old' }, annotations: { theirs: 'x', ...mark } };

describe('kubernetes push metadata', () => {
  test('a created Secret gets the labels and annotations, and the ownership mark', () => {
    assert.deepEqual(pushedSecretMetadata(undefined, meta({ labels: { app: 'a' }, annotations: { n: '1' } }), mark), {
      labels: { app: 'a' },
      annotations: { n: '1', ...mark },
    });
    assert.deepEqual(pushedSecretMetadata(undefined, undefined, mark), { labels: {}, annotations: mark });
  });

  test('targetMergePolicy Merge (default), Replace and Ignore on an existing Secret', () => {
    const labels = { labels: { app: 'new' } };
    assert.deepEqual(pushedSecretMetadata(existing, meta(labels), mark), {
      labels: { keep: 'me', app: 'new' },
      annotations: existing.annotations,
    });
    assert.deepEqual(pushedSecretMetadata(existing, meta({ ...labels, targetMergePolicy: 'Replace' }), mark), {
      labels: { app: 'new' },
      annotations: mark,
    });
    assert.deepEqual(pushedSecretMetadata(existing, meta({ ...labels, targetMergePolicy: 'Ignore' }), mark), existing);
  });

  test('remoteNamespace and the ownership annotation are refused', () => {
    assert.throws(
      () => checkKubernetesPushMetadata(meta({ remoteNamespace: 'other' }), 'lockstep.dev/pushed-by'),
      /remoteNamespace is not supported/,
    );
    assert.throws(
      () => checkKubernetesPushMetadata(meta({ annotations: mark }), 'lockstep.dev/pushed-by'),
      /cannot set "lockstep.dev\/pushed-by"/,
    );
    assert.doesNotThrow(() =>
      checkKubernetesPushMetadata(meta({ sourceMergePolicy: 'Replace' }), 'lockstep.dev/pushed-by'),
    );
  });
});
