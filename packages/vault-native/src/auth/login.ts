// One login, per method. Credentials are read from Kubernetes at login time (never cached
// here) and never leave this file except as the Vault token the login answers.

import { BackendError, type SecretKeySelector } from '@lockstep/core';
import { joinPath } from '../client/vault-path.ts';
import {
  type AuthMethod,
  DEFAULT_SA_TOKEN_SECONDS,
  describeMethod,
  type ServiceAccountTokenSource,
} from './auth-method.ts';
import type { LoginTarget } from './login-target.ts';

/** A fresh token and what Vault said about its lifetime. */
export interface LoginGrant {
  token: string;
  accessor: string;
  /** Seconds from now; 0: never expires. */
  ttlSeconds: number;
  renewable: boolean;
  /** What to ask for when renewing: the TTL the login granted. */
  requestedTtlSeconds: number;
}

export async function login(target: LoginTarget): Promise<LoginGrant> {
  const { client, method } = target;
  const ns = target.vaultNamespace !== undefined ? { namespace: target.vaultNamespace } : {};
  try {
    if (method.type === 'token') {
      const token = text(await readRef(target, method.tokenSecretRef)).trim();
      const info = await client.lookupSelf(token, ns);
      return {
        token,
        accessor: info.accessor,
        ttlSeconds: info.ttl,
        renewable: info.renewable,
        requestedTtlSeconds: info.creationTtl || info.ttl,
      };
    }
    const payload = { ...method.params, ...(await loginPayload(target, method)) };
    const auth = await client.login(joinPath(method.mount), payload, ns);
    return {
      token: auth.clientToken,
      accessor: auth.accessor,
      ttlSeconds: auth.leaseDuration,
      renewable: auth.renewable,
      requestedTtlSeconds: auth.leaseDuration,
    };
  } catch (err) {
    if (
      err instanceof BackendError &&
      err.backend === 'vault' &&
      err.errorClass !== 'Unavailable' &&
      err.errorClass !== 'Throttled'
    ) {
      // Say which login failed: "Vault denied POST auth/x/login" alone does not tell a user what to fix.
      throw new BackendError(err.errorClass, 'vault', `${describeMethod(method)} failed: ${err.message}`, {
        cause: err,
      });
    }
    throw err;
  }
}

async function loginPayload(
  target: LoginTarget,
  method: Exclude<AuthMethod, { type: 'token' }>,
): Promise<Record<string, unknown>> {
  switch (method.type) {
    case 'appRole': {
      const roleId =
        method.roleId ?? (method.roleIdRef ? text(await readRef(target, method.roleIdRef)).trim() : undefined);
      if (!roleId) throw new BackendError('InvalidInput', 'vault', 'appRole auth needs roleId or roleRef');
      const secretId = text(await readRef(target, method.secretIdRef)).trim();
      return { role_id: roleId, secret_id: secretId };
    }
    case 'kubernetes':
      return {
        role: method.role,
        jwt: await jwtFrom(target, method.serviceAccount, method.jwtSecretRef, 'kubernetes'),
      };
    case 'jwt':
      return {
        ...(method.role ? { role: method.role } : {}),
        jwt: await jwtFrom(target, method.serviceAccount, method.jwtSecretRef, 'jwt'),
      };
  }
}

async function jwtFrom(
  target: LoginTarget,
  sa: ServiceAccountTokenSource | undefined,
  ref: SecretKeySelector | undefined,
  kind: string,
): Promise<string> {
  if (sa) {
    // Always the TokenRequest API, in the namespace of the synced resource: one tenant can
    // never present another tenant's service account.
    const { token } = await target.kube.requestServiceAccountToken({
      namespace: sa.namespace ?? target.namespace,
      serviceAccountName: sa.name,
      audiences: sa.audiences ?? [],
      expirationSeconds: sa.expirationSeconds ?? DEFAULT_SA_TOKEN_SECONDS,
    });
    return token;
  }
  if (ref) return text(await readRef(target, ref)).trim();
  throw new BackendError('InvalidInput', 'vault', `${kind} auth needs a service account or a Secret holding the JWT`);
}

function readRef(target: LoginTarget, ref: SecretKeySelector): Promise<Uint8Array> {
  return target.kube.readSecretKey(ref.namespace ?? target.namespace, ref);
}

function text(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('utf8');
}
