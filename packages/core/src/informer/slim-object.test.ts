import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LAST_APPLIED_ANNOTATION, slimObject } from './slim-object.ts';

const managedFields = [{ manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } }];

test('an object enters the cache without managedFields and the last-applied annotation, everything else kept', () => {
  const es = {
    apiVersion: 'external.lockstep.dev/v1',
    kind: 'ExternalSecret',
    metadata: {
      name: 'db',
      namespace: 'apps',
      uid: 'u1',
      resourceVersion: '7',
      generation: 2,
      labels: { team: 'a' },
      annotations: { [LAST_APPLIED_ANNOTATION]: '{"spec":{}}', note: 'kept' },
      managedFields,
    },
    spec: { refreshInterval: '1h' },
    status: { refreshTime: '2026-01-01T00:00:00Z' },
  };
  const slim = slimObject(structuredClone(es));
  const { managedFields: _dropped, ...metadata } = es.metadata;
  assert.deepEqual(slim, { ...es, metadata: { ...metadata, annotations: { note: 'kept' } } });
});

test('a Secret keeps its last-applied annotation (the writer replaces Secrets whole) but not managedFields', () => {
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db', annotations: { [LAST_APPLIED_ANNOTATION]: '{}' }, managedFields },
    data: { password: 'aHVudGVyMg==' },
  };
  const slim = slimObject(structuredClone(secret));
  assert.equal(slim.metadata.managedFields, undefined);
  assert.deepEqual(slim.metadata.annotations, secret.metadata.annotations);
  assert.deepEqual(slim.data, secret.data);
});
