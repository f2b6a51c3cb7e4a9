import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SpecProblem } from '@lockstep/core';
import type { VaultAuth } from '../api/vault-auth.ts';
import type { VaultConnection } from '../api/vault-connection.ts';
import type { ObjectCache } from './object-cache.ts';
import { authMethodOf, namespaceAllowed, selectVaultAuth, selectVaultConnection } from './vault-refs.ts';

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

function connection(namespace: string, name: string, allowedNamespaces?: string[]): VaultConnection {
  return {
    metadata: { namespace, name },
    spec: { address: 'https://vault:8200', skipTLSVerify: false, ...(allowedNamespaces ? { allowedNamespaces } : {}) },
  } as VaultConnection;
}

function cache<T extends { metadata?: { namespace?: string; name?: string } }>(items: T[]): ObjectCache<T> {
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

  test('a VaultAuth may name a VaultConnection of another namespace only when that connection allows it', () => {
    const shared = connection('infra', 'vault', ['team-*']);
    const connections = cache([shared, connection('infra', 'private'), connection('lockstep', 'default')]);
    assert.equal(
      selectVaultConnection(auth('team-a', 'x', { vaultConnectionRef: 'infra/vault' }), connections, 'lockstep'),
      shared,
    );
    assert.throws(
      () => selectVaultConnection(auth('other', 'x', { vaultConnectionRef: 'infra/vault' }), connections, 'lockstep'),
      (err: unknown) =>
        err instanceof SpecProblem &&
        err.reason === 'VaultConnectionNotAllowed' &&
        /VaultConnection "infra\/vault" does not allow namespace "other".*spec\.allowedNamespaces/.test(err.message),
    );
    assert.throws(
      () =>
        selectVaultConnection(auth('team-a', 'x', { vaultConnectionRef: 'infra/private' }), connections, 'lockstep'),
      (err: unknown) => err instanceof SpecProblem && err.reason === 'VaultConnectionNotAllowed',
      'unset allowedNamespaces: only its own namespace',
    );
    // The controller namespace's `default` serves everyone, named or as the fallback.
    const named = auth('team-a', 'x', { vaultConnectionRef: 'lockstep/default' });
    assert.equal(selectVaultConnection(named, connections, 'lockstep').metadata?.namespace, 'lockstep');
    assert.equal(selectVaultConnection(auth('team-a', 'x'), connections, 'lockstep').metadata?.namespace, 'lockstep');
  });

  test('VaultAuth allowedNamespaces accepts globs too', () => {
    assert.ok(namespaceAllowed(auth('a', 'x', { allowedNamespaces: ['team-*'] }), 'team-b'));
    assert.ok(!namespaceAllowed(auth('a', 'x', { allowedNamespaces: ['team-*'] }), 'other'));
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
