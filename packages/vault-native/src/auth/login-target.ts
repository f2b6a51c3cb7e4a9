// Who logs in, where: the connection, the method, and the Kubernetes namespace whose Secrets
// and service accounts the login may use. The identity key names one cached login token.

import { createHash } from 'node:crypto';
import type { KubeAccess } from '@lockstep/core';
import type { VaultClient } from '../client/vault-client.ts';
import type { AuthMethod } from './auth-method.ts';

export interface LoginTarget {
  client: VaultClient;
  kube: KubeAccess;
  /** Namespace of the synced resource (or the store's): Secrets and service accounts are read here. */
  namespace: string;
  /** Vault namespace of the login and of every call made with its token; default: the connection's. */
  vaultNamespace?: string;
  method: AuthMethod;
}

/**
 * Identity of a login: method + mount + role + namespace + service account + connection (and
 * every other field of the method, so two configurations that could log in as different
 * Vault entities never share a token). Readable prefix, hashed remainder.
 */
export function identityKey(target: LoginTarget): string {
  const m = target.method;
  const mount = m.type === 'token' ? 'token' : m.mount;
  const role = m.type === 'kubernetes' || m.type === 'jwt' ? (m.role ?? '') : '';
  const sa = m.type === 'kubernetes' || m.type === 'jwt' ? (m.serviceAccount?.name ?? '') : '';
  const digest = createHash('sha256')
    .update(JSON.stringify([target.client.key, target.vaultNamespace ?? '', target.namespace, canonical(m)]))
    .digest('hex')
    .slice(0, 16);
  return [m.type, mount, role, target.namespace, sa, digest].join('/');
}

/** JSON with sorted keys, so field order in a manifest does not change the identity. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}
