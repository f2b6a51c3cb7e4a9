import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type KubeAccess, type Provider, ProviderRegistry } from '@lockstep/core';
import { measureEventLoopHold } from '@lockstep/core/testing';
import { type ObjectCache, StoreError, type StoreObject, StoreResolver, servesStore } from './store-resolver.ts';

function cache(items: StoreObject[]): ObjectCache<StoreObject> {
  return {
    get: (ns, name) => items.find((s) => (s.metadata?.namespace ?? undefined) === ns && s.metadata?.name === name),
  };
}

const store = (name: string, spec: StoreObject['spec'], namespace?: string): StoreObject => ({
  metadata: { name, ...(namespace ? { namespace } : {}) },
  spec,
});

/** A provider of our own interface that reports an http:// `server` as cleartext. */
const plain: Provider<{ server?: string }> = {
  name: 'plain',
  capabilities: 'ReadOnly',
  validateSpec: () => [],
  clientKey: () => 'k',
  newClient: () => Promise.reject(new Error('not in this test')),
  insecureTransport: (spec) =>
    spec.server?.startsWith('http://') ? `server "${spec.server}" is plain http` : undefined,
};

function resolver(stores: StoreObject[], controllerClass?: string) {
  const registry = new ProviderRegistry();
  registry.registerProvider(plain as never);
  return new StoreResolver({
    secretStores: cache(stores.filter((s) => s.metadata?.namespace)),
    clusterSecretStores: cache(stores.filter((s) => !s.metadata?.namespace)),
    namespaces: { get: () => undefined },
    registry,
    kube: {} as KubeAccess,
    clock: { now: () => new Date(0) },
    coalesceWindowMs: 0,
    ...(controllerClass !== undefined ? { controllerClass } : {}),
  });
}

describe('--controller-class (ESO semantics)', () => {
  test('a store without spec.controller is served by every controller; one with it only by that class', () => {
    const unclaimed = store('a', { provider: {} });
    const blue = store('b', { controller: 'blue', provider: {} });
    assert.ok(servesStore(unclaimed, undefined) && servesStore(unclaimed, 'blue'));
    assert.ok(servesStore(blue, 'blue'));
    assert.ok(!servesStore(blue, undefined), 'the empty class serves only stores without spec.controller');
    assert.ok(!servesStore(blue, 'red'));
  });

  test('an ExternalSecret that names a store of another class, directly or in a sourceRef, is left alone', () => {
    const r = resolver(
      [
        store('red', { controller: 'red', provider: { plain: {} } }, 'ns'),
        store('mine', { provider: { plain: {} } }, 'ns'),
      ],
      'blue',
    );
    assert.ok(r.usesOtherControllerClass('ns', [{ name: 'red' }]));
    assert.ok(r.usesOtherControllerClass('ns', [{ name: 'mine' }, { name: 'red', kind: 'SecretStore' }]));
    assert.ok(!r.usesOtherControllerClass('ns', [{ name: 'mine' }, undefined]));
    assert.ok(!r.usesOtherControllerClass('ns', [{ name: 'missing' }]), 'a missing store is reported, not skipped');
    assert.throws(() => r.resolve('ns', { name: 'red' }), /belongs to controller class "red"/);
  });
});

describe('store fields refused or flagged', () => {
  test('spec.retrySettings is refused with what to do instead', () => {
    const r = resolver([store('s', { retrySettings: { maxRetries: 3 }, provider: { plain: {} } }, 'ns')]);
    assert.throws(() => r.resolve('ns', { name: 's' }), /spec\.retrySettings is not supported: remove it/);
  });

  test("a provider's cleartext warning is reported for the store's InsecureTransport condition", () => {
    const r = resolver([]);
    assert.match(r.insecureTransport(store('s', { provider: { plain: { server: 'http://v' } } })) ?? '', /plain http/);
    assert.equal(r.insecureTransport(store('s', { provider: { plain: { server: 'https://v' } } })), undefined);
  });
});

describe('ClusterSecretStore namespaceRegexes', { timeout: 60_000 }, () => {
  const clusterStore = (namespaceRegexes: string[]) =>
    store('shared', { provider: { plain: {} }, conditions: [{ namespaceRegexes }] });

  for (const pattern of ['^(a+)+$', '(a|a)*b', '(x+x+)+y', '((a*)*)*$']) {
    test(`${pattern} against a 10k-character namespace ends within 100 ms (CPU) or is an invalid store`, () => {
      const s = clusterStore([pattern]);
      const r = resolver([s]);
      r.namespaceAllowed(s, 'aa!');
      const { ms, error } = measureEventLoopHold(() => r.namespaceAllowed(s, `${'a'.repeat(10_000)}!`));
      if (error !== undefined) assert.ok(error instanceof StoreError && error.reason === 'InvalidStoreSpec');
      assert.ok(ms < 100, `held the event loop for ${ms.toFixed(0)} ms`);
    });
  }

  test('use Go syntax, unanchored as in ESO', () => {
    const r = resolver([clusterStore(['^team-(?P<t>[a-z]+)$', '(?i)^OPS'])]);
    assert.doesNotThrow(() => r.resolve('team-blue', { name: 'shared', kind: 'ClusterSecretStore' }));
    assert.doesNotThrow(() => r.resolve('ops-1', { name: 'shared', kind: 'ClusterSecretStore' }));
    assert.throws(
      () => r.resolve('dev', { name: 'shared', kind: 'ClusterSecretStore' }),
      /does not allow namespace "dev"/,
    );
  });

  test('a pattern that does not compile makes the store invalid, for the store itself and its users', () => {
    const r = resolver([clusterStore(['^team-', '(?<=x)y'])]);
    const invalid = (err: Error) =>
      err instanceof StoreError &&
      err.reason === 'InvalidStoreSpec' &&
      /spec\.conditions\[0\]\.namespaceRegexes\[1\] "\(\?<=x\)y": invalid regular expression.*lookbehind/.test(
        err.message,
      );
    assert.throws(
      () => r.resolve('default', { name: 'shared', kind: 'ClusterSecretStore' }, { checkConditions: false }),
      invalid,
    );
    assert.throws(() => r.resolve('dev', { name: 'shared', kind: 'ClusterSecretStore' }), invalid);
  });
});
