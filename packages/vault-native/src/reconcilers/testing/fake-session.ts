// What `openSession` needs, faked at our own seams for reconciler unit tests: a VaultAuth and
// a VaultConnection in caches, and a TokenCache over a fake TokenManager whose login can be
// made to fail. No Vault client is faked: the one handed out throws on any call, because the
// reconcilers under test reach Vault only through the fake LeaseBackend or KV reader.
// Tests only.

import { BackendError, type KubeAccess } from '@lockstep/core';
import type { VaultAuth } from '../../api/vault-auth.ts';
import type { VaultConnection } from '../../api/vault-connection.ts';
import type { ManagedToken, TokenManager } from '../../auth/token-manager.ts';
import type { VaultClient } from '../../client/vault-client.ts';
import type { VaultClientPool } from '../../client/vault-client-pool.ts';
import type { ObjectCache } from '../object-cache.ts';
import { TokenCache } from '../token-cache.ts';
import type { SessionDeps } from '../vault-session.ts';

/** A cache over a fixed list of objects, looked up by namespace and name. */
export function listCache<T extends { metadata?: { name?: string; namespace?: string } }>(
  items: readonly T[],
): ObjectCache<T> {
  return {
    get: (namespace, name) => items.find((i) => i.metadata?.namespace === namespace && i.metadata?.name === name),
    list: (namespace) => items.filter((i) => namespace === undefined || i.metadata?.namespace === namespace),
  };
}

/** Throws on every use but the named fields: proves a test never reaches what it stands for. */
function unusable<T>(what: string, fields: Record<string, unknown> = {}): T {
  return new Proxy(fields, {
    get(target, prop) {
      if (typeof prop === 'string' && prop in target) return target[prop];
      throw new Error(`${what}.${String(prop)} is not used by reconciler unit tests`);
    },
  }) as T;
}

export interface FakeLogin {
  /** The next login fails with `err` (once): TokenCache forgets a failed login, so the one after succeeds. */
  failNext(err: Error): void;
  /** Logins attempted. */
  readonly attempts: number;
  /** The login token's accessor (the ledger's tokenAccessor). */
  readonly accessor: string;
}

let worlds = 0;

/** SessionDeps for resources in `namespace`, served by its `default` VaultAuth and VaultConnection. */
export function fakeSessionDeps(namespace: string): { deps: SessionDeps; login: FakeLogin } {
  const auth = {
    apiVersion: 'vault.lockstep.dev/v1beta1',
    kind: 'VaultAuth',
    metadata: { name: 'default', namespace },
    spec: { method: 'kubernetes', mount: 'kubernetes', kubernetes: { role: 'app', serviceAccount: 'default' } },
  } as unknown as VaultAuth;
  const connection = {
    apiVersion: 'vault.lockstep.dev/v1beta1',
    kind: 'VaultConnection',
    metadata: { name: 'default', namespace },
    spec: { address: 'https://vault.test:8200', skipTLSVerify: false },
  } as unknown as VaultConnection;
  // Unique per world: lease-group refusals are remembered per login token for the process.
  const accessor = `login-accessor-${++worlds}`;
  const failures: Error[] = [];
  let attempts = 0;
  const token: ManagedToken = {
    identity: `identity-${worlds}`,
    token: () => 'login-token-value',
    accessor: () => accessor,
    expiresAt: () => undefined,
    // Only the lease-group step calls this (the fake backends take no token): a policy that
    // grants no child token, so issues run with the login token, as on such a Vault.
    use: () => Promise.reject(new BackendError('Forbidden', 'vault', 'Vault denied POST auth/token/create')),
    release() {},
  };
  const manager = {
    acquire: async () => {
      attempts++;
      const err = failures.shift();
      if (err) throw err;
      return token;
    },
    onTokenReplaced: () => () => {},
    resumeOf: () => undefined,
  } as unknown as TokenManager;
  const client = unusable<VaultClient>('VaultClient', { key: 'https://vault.test:8200' });
  const deps: SessionDeps = {
    auths: listCache([auth]),
    connections: listCache([connection]),
    kube: unusable<KubeAccess>('KubeAccess'),
    clients: { get: () => client } as unknown as VaultClientPool,
    tokens: new TokenCache(manager),
    controllerNamespace: 'lockstep-system',
  };
  const login: FakeLogin = {
    failNext: (err) => failures.push(err),
    get attempts() {
      return attempts;
    },
    accessor,
  };
  return { deps, login };
}
