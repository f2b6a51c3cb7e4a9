// Which VaultAuth and VaultConnection a resource uses, without I/O. VSO's rules:
// - `vaultAuthRef` is `name` (same namespace) or `namespace/name`; empty means the VaultAuth
//   named `default` in the resource's namespace, else the one in the controller namespace.
// - `vaultConnectionRef` likewise, relative to the VaultAuth; empty means `default` in the
//   VaultAuth's namespace, else the one in the controller namespace.
// - A VaultAuth serves its own namespace; other namespaces only when `allowedNamespaces`
//   lists them (names, `*`, or globs).
// - A VaultConnection serves VaultAuths of its own namespace; the `default` one in the
//   controller namespace serves every VaultAuth; any other only the VaultAuths whose namespace
//   its `allowedNamespaces` lists (a Lockstep extension: VSO lets any VaultAuth use any
//   VaultConnection, so a tenant could borrow another's address, headers and CA).

import { SpecProblem } from '@lockstep/core';
import type { VaultAuth } from '../api/vault-auth.ts';
import type { VaultConnection } from '../api/vault-connection.ts';
import type { AuthMethod } from '../auth/auth-method.ts';
import { namespaceMatches } from './allowed-namespaces.ts';
import type { ObjectCache } from './object-cache.ts';

export const DEFAULT_REF = 'default';

interface Ref {
  namespace: string;
  name: string;
  explicit: boolean;
}

function parseRef(ref: string | undefined, ownNamespace: string): Ref {
  const trimmed = ref?.trim() ?? '';
  if (!trimmed) return { namespace: ownNamespace, name: DEFAULT_REF, explicit: false };
  const slash = trimmed.indexOf('/');
  if (slash < 0) return { namespace: ownNamespace, name: trimmed, explicit: true };
  return { namespace: trimmed.slice(0, slash), name: trimmed.slice(slash + 1), explicit: true };
}

function lookup<T>(cache: ObjectCache<T>, ref: Ref, controllerNamespace: string): T | undefined {
  const found = cache.get(ref.namespace, ref.name);
  if (found || ref.explicit) return found;
  return cache.get(controllerNamespace, DEFAULT_REF);
}

export function selectVaultAuth(
  vaultAuthRef: string | undefined,
  resourceNamespace: string,
  auths: ObjectCache<VaultAuth>,
  controllerNamespace: string,
): VaultAuth {
  const ref = parseRef(vaultAuthRef, resourceNamespace);
  const auth = lookup(auths, ref, controllerNamespace);
  if (!auth) {
    const where = ref.explicit
      ? `VaultAuth "${ref.name}" not found in namespace "${ref.namespace}"`
      : `no VaultAuth named "default" in namespace "${resourceNamespace}" or "${controllerNamespace}"`;
    throw new SpecProblem('VaultAuthNotFound', `${where}: create it or set spec.vaultAuthRef`);
  }
  if (!namespaceAllowed(auth, resourceNamespace)) {
    const name = `${auth.metadata?.namespace}/${auth.metadata?.name}`;
    throw new SpecProblem(
      'NamespaceNotAllowed',
      `namespace "${resourceNamespace}" is not allowed to use VaultAuth "${name}": add it to the VaultAuth's spec.allowedNamespaces`,
    );
  }
  return auth;
}

export function namespaceAllowed(auth: VaultAuth, namespace: string): boolean {
  if (auth.metadata?.namespace === namespace) return true;
  return namespaceMatches(auth.spec.allowedNamespaces, namespace);
}

/** Whether VaultAuths of `authNamespace` may use `connection` (see the rules at the top). */
export function connectionAllowed(
  connection: VaultConnection,
  authNamespace: string,
  controllerNamespace: string,
): boolean {
  const namespace = connection.metadata?.namespace;
  if (namespace === authNamespace) return true;
  if (namespace === controllerNamespace && connection.metadata?.name === DEFAULT_REF) return true;
  return namespaceMatches(connection.spec.allowedNamespaces, authNamespace);
}

export function selectVaultConnection(
  auth: VaultAuth,
  connections: ObjectCache<VaultConnection>,
  controllerNamespace: string,
): VaultConnection {
  const authNamespace = auth.metadata?.namespace ?? '';
  const ref = parseRef(auth.spec.vaultConnectionRef, authNamespace);
  const connection = lookup(connections, ref, controllerNamespace);
  if (!connection) {
    const where = ref.explicit
      ? `VaultConnection "${ref.name}" not found in namespace "${ref.namespace}"`
      : `no VaultConnection named "default" in namespace "${authNamespace}" or "${controllerNamespace}"`;
    throw new SpecProblem(
      'VaultConnectionNotFound',
      `${where} (used by VaultAuth "${authNamespace}/${auth.metadata?.name}"): create it or set the VaultAuth's spec.vaultConnectionRef`,
    );
  }
  if (!connectionAllowed(connection, authNamespace, controllerNamespace)) {
    const name = `${connection.metadata?.namespace}/${connection.metadata?.name}`;
    throw new SpecProblem(
      'VaultConnectionNotAllowed',
      `VaultConnection "${name}" does not allow namespace "${authNamespace}" (used by VaultAuth "${authNamespace}/${auth.metadata?.name}"): add "${authNamespace}" to the VaultConnection's spec.allowedNamespaces, or use a VaultConnection of namespace "${authNamespace}"`,
    );
  }
  return connection;
}

/**
 * The login a VaultAuth describes. Service accounts carry no namespace: the token is always
 * requested in the namespace of the resource being synced, so one tenant can never log in
 * as another. Secrets named here (appRole, jwt, token) are read in that namespace too.
 */
export function authMethodOf(auth: VaultAuth): AuthMethod {
  const spec = auth.spec;
  const name = `VaultAuth "${auth.metadata?.namespace}/${auth.metadata?.name}"`;
  const params = spec.params ? { params: spec.params as Record<string, unknown> } : {};
  const missing = (block: string) =>
    new SpecProblem('InvalidVaultAuth', `${name} has method ${spec.method} but no spec.${block} block: add it`);
  switch (spec.method) {
    case 'kubernetes': {
      const k = spec.kubernetes;
      if (!k) throw missing('kubernetes');
      return {
        type: 'kubernetes',
        mount: spec.mount || 'kubernetes',
        role: k.role,
        serviceAccount: {
          name: k.serviceAccount || 'default',
          ...(k.audiences?.length ? { audiences: k.audiences } : {}),
          expirationSeconds: k.tokenExpirationSeconds ?? 600,
        },
        ...params,
      };
    }
    case 'jwt': {
      const j = spec.jwt;
      if (!j) throw missing('jwt');
      if (!j.serviceAccount && !j.secretRef) {
        throw new SpecProblem('InvalidVaultAuth', `${name}: spec.jwt needs serviceAccount or secretRef`);
      }
      return {
        type: 'jwt',
        mount: spec.mount || 'jwt',
        role: j.role,
        ...(j.serviceAccount
          ? {
              serviceAccount: {
                name: j.serviceAccount,
                ...(j.audiences?.length ? { audiences: j.audiences } : {}),
                expirationSeconds: j.tokenExpirationSeconds ?? 600,
              },
            }
          : { jwtSecretRef: { name: j.secretRef ?? '', key: 'jwt' } }),
        ...params,
      };
    }
    case 'appRole': {
      const a = spec.appRole;
      if (!a) throw missing('appRole');
      return {
        type: 'appRole',
        mount: spec.mount || 'approle',
        roleId: a.roleId,
        secretIdRef: { name: a.secretRef, key: 'id' },
        ...params,
      };
    }
    case 'token': {
      const t = spec.token;
      if (!t) throw missing('token');
      return { type: 'token', tokenSecretRef: { name: t.secretRef, key: 'token' }, ...params };
    }
    default:
      throw new SpecProblem(
        'UnknownAuthMethod',
        `${name} has unknown method "${String(spec.method)}": use kubernetes, jwt, appRole or token`,
      );
  }
}
