import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VaultAuth } from '../api/vault-auth.ts';
import type { ObjectCache } from './object-cache.ts';
import { SpecProblem } from './sync-failure.ts';
import { authMethodOf, namespaceAllowed, selectVaultAuth } from './vault-refs.ts';

function auth(namespace: string, name: string, spec: Partial<VaultAuth['spec']> = {}): VaultAuth {
  return {
    metadata: { namespace, name },
    spec: {
      method: 'kubernetes',
      kubernetes: { role: 'r', serviceAccount: 'app', tokenExpirationSeconds: 600 },
      ...spec,
    },
  } as VaultAuth;
}

function cache(items: VaultAuth[]): ObjectCache<VaultAuth> {
  return {
    get: (ns, name) => items.find((a) => a.metadata?.namespace === ns && a.metadata?.name === name),
    list: () => items,
  };
}

describe('VaultAuth references', () => {
  test('an empty ref uses `default` in the resource namespace, then in the controller namespace', () => {
    const own = auth('team', 'default');
    const fallback = auth('lockstep', 'default', { allowedNamespaces: ['*'] });
    assert.equal(selectVaultAuth(undefined, 'team', cache([own, fallback]), 'lockstep'), own);
    assert.equal(selectVaultAuth('', 'other', cache([own, fallback]), 'lockstep'), fallback);
  });

  test('a namespace not in allowedNamespaces is refused with a message that says what to fix', () => {
    const shared = auth('a', 'shared', { allowedNamespaces: ['c'] });
    assert.throws(
      () => selectVaultAuth('a/shared', 'b', cache([shared]), 'lockstep'),
      (err: unknown) =>
        err instanceof SpecProblem && err.reason === 'NamespaceNotAllowed' && /allowedNamespaces/.test(err.message),
    );
    assert.ok(namespaceAllowed(shared, 'c'));
    assert.ok(namespaceAllowed(shared, 'a'), 'a VaultAuth always serves its own namespace');
    assert.ok(!namespaceAllowed(auth('a', 'x'), 'b'), 'unset allowedNamespaces allows only its own namespace');
  });

  test("the kubernetes service account carries no namespace: it is always the synced resource's", () => {
    const method = authMethodOf(auth('a', 'x'));
    assert.equal(method.type, 'kubernetes');
    assert.ok(method.type === 'kubernetes' && method.serviceAccount?.namespace === undefined);
  });

  test('a method without its block is a spec problem', () => {
    assert.throws(() => authMethodOf(auth('a', 'x', { method: 'appRole' })), /no spec.appRole block/);
  });
});
