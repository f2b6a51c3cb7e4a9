import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BackendError } from '../errors/backend-error.ts';
import type { KubeAccess } from '../kube/kube-access.ts';
import { checkCaProvider, readCaProvider } from './ca-provider.ts';
import type { StoreRef } from './provider.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const namespaced: StoreRef = { kind: 'SecretStore', name: 's', namespace: 'team-a' };
const cluster: StoreRef = { kind: 'ClusterSecretStore', name: 'c' };
const at = 'spec.provider.x.caProvider';

/** A KubeAccess over in-memory Secrets and ConfigMaps that records which object each read named. */
function fakeKube(objects: Record<string, Record<string, string>>) {
  const reads: string[] = [];
  const read = (kind: string) => async (namespace: string, ref: { name: string; key: string }) => {
    const id = `${kind}/${namespace}/${ref.name}`;
    reads.push(id);
    const data = objects[id];
    if (!data)
      throw new BackendError('NotFound', 'kubernetes', `${kind} "${ref.name}" not found in namespace "${namespace}"`);
    const value = data[ref.key];
    if (value === undefined) {
      throw new BackendError('NotFound', 'kubernetes', `key "${ref.key}" not found in ${kind} "${ref.name}"`);
    }
    return Buffer.from(value);
  };
  const kube: KubeAccess = {
    readSecretKey: read('Secret'),
    readConfigMapKey: read('ConfigMap'),
    readSecret: () => Promise.reject(new Error('unexpected')),
    requestServiceAccountToken: () => Promise.reject(new Error('unexpected')),
    readSecretWithLabels: () => Promise.reject(new Error('unexpected')),
  };
  return { kube, reads };
}

describe('caProvider checks', () => {
  test('accepts a Secret or a ConfigMap with name and key', () => {
    assert.deepEqual(checkCaProvider(at, { type: 'ConfigMap', name: 'ca', key: 'ca.crt' }, namespaced), []);
    assert.deepEqual(
      checkCaProvider(at, { type: 'Secret', name: 'ca', key: 'ca.crt', namespace: 'team-a' }, namespaced),
      [],
    );
    assert.deepEqual(
      checkCaProvider(at, { type: 'ConfigMap', name: 'ca', namespace: 'shared' }, cluster, { defaultKey: 'ca.crt' }),
      [],
    );
  });

  test('says what to fix: type, name, key, and a SecretStore reaching into another namespace', () => {
    assert.deepEqual(checkCaProvider(at, { type: 'Bucket' as 'Secret', name: '', namespace: 'team-b' }, namespaced), [
      `${at}.type must be Secret or ConfigMap, not "Bucket"`,
      `${at}.name is required: the Bucket holding the CA`,
      `${at}.key is required: the Bucket key holding the CA PEM`,
      `${at}.namespace must be empty or "team-a": a SecretStore cannot read other namespaces`,
    ]);
  });
});

describe('reading a caProvider', () => {
  test('reads a ConfigMap of the store namespace, or of the named namespace for a ClusterSecretStore', async () => {
    const { kube, reads } = fakeKube({
      'ConfigMap/team-a/ca': { 'ca.crt': PEM },
      'ConfigMap/shared/ca': { 'ca.crt': PEM },
    });
    const ref = { type: 'ConfigMap' as const, name: 'ca', key: 'ca.crt' };
    assert.equal(await readCaProvider(at, ref, { store: namespaced, namespace: 'team-a', kube }, 'x'), PEM);
    await readCaProvider(at, { ...ref, namespace: 'shared' }, { store: cluster, namespace: 'team-a', kube }, 'x');
    await readCaProvider(at, ref, { store: cluster, namespace: 'team-a', kube }, 'x');
    assert.deepEqual(reads, ['ConfigMap/team-a/ca', 'ConfigMap/shared/ca', 'ConfigMap/team-a/ca']);
  });

  test('reads a Secret, with the default key when none is named', async () => {
    const { kube, reads } = fakeKube({ 'Secret/team-a/ca': { 'ca.crt': PEM } });
    const ctx = { store: namespaced, namespace: 'team-a', kube };
    assert.equal(await readCaProvider(at, { type: 'Secret', name: 'ca' }, ctx, 'x', { defaultKey: 'ca.crt' }), PEM);
    assert.deepEqual(reads, ['Secret/team-a/ca']);
  });

  test('a missing object or key, or no PEM, is InvalidInput naming the field', async () => {
    const { kube } = fakeKube({ 'ConfigMap/team-a/ca': { 'ca.crt': 'not a certificate' } });
    const ctx = { store: namespaced, namespace: 'team-a', kube };
    const invalid = (message: RegExp) => (err: unknown) => {
      assert.ok(err instanceof BackendError);
      assert.equal(err.errorClass, 'InvalidInput');
      assert.equal(err.backend, 'x');
      assert.match(err.message, message);
      return true;
    };
    await assert.rejects(
      readCaProvider(at, { type: 'ConfigMap', name: 'absent', key: 'ca.crt' }, ctx, 'x'),
      invalid(/^ConfigMap "absent" not found in namespace "team-a": spec.provider.x.caProvider needs it$/),
    );
    await assert.rejects(
      readCaProvider(at, { type: 'ConfigMap', name: 'ca', key: 'tls.crt' }, ctx, 'x'),
      invalid(/key "tls.crt" not found in ConfigMap "ca"/),
    );
    await assert.rejects(
      readCaProvider(at, { type: 'ConfigMap', name: 'ca', key: 'ca.crt' }, ctx, 'x'),
      invalid(/holds no PEM certificate: spec.provider.x.caProvider must name a CA certificate/),
    );
  });

  test('an unavailable API server stays retryable', async () => {
    const kube = fakeKube({}).kube;
    kube.readConfigMapKey = () => Promise.reject(new BackendError('Unavailable', 'kubernetes', 'connection refused'));
    await assert.rejects(
      readCaProvider(
        at,
        { type: 'ConfigMap', name: 'ca', key: 'ca.crt' },
        { store: namespaced, namespace: 'team-a', kube },
        'x',
      ),
      { errorClass: 'Unavailable' },
    );
  });
});
