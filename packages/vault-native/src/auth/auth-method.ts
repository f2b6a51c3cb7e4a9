// How an identity logs in to Vault. One shape serves both models: the `vault` provider maps
// ESO's `spec.provider.vault.auth` onto it, and VaultAuth (VSO) will map its `method` too.

import type { SecretKeySelector } from '@lockstep/core';

/** A service account whose token comes from the TokenRequest API. */
export interface ServiceAccountTokenSource {
  name: string;
  /** Only for cluster-scoped configurations; otherwise the namespace of the synced resource. */
  namespace?: string;
  /** Empty: the API server's default audience. */
  audiences?: string[];
  /** Default 600 (the API server's minimum). */
  expirationSeconds?: number;
}

/** Development only: a token read from a Secret. */
export interface TokenAuth {
  type: 'token';
  tokenSecretRef: SecretKeySelector;
}

export interface AppRoleAuth {
  type: 'appRole';
  /** Default `approle`. */
  mount: string;
  roleId?: string;
  roleIdRef?: SecretKeySelector;
  secretIdRef: SecretKeySelector;
}

export interface KubernetesAuth {
  type: 'kubernetes';
  /** Default `kubernetes`. */
  mount: string;
  role: string;
  /** The usual source of the login JWT. */
  serviceAccount?: ServiceAccountTokenSource;
  /** ESO `auth.kubernetes.secretRef`: a Secret holding a service account JWT. */
  jwtSecretRef?: SecretKeySelector;
}

export interface JwtAuth {
  type: 'jwt';
  /** Default `jwt`. */
  mount: string;
  /** Empty: the mount's default role. */
  role?: string;
  jwtSecretRef?: SecretKeySelector;
  serviceAccount?: ServiceAccountTokenSource;
}

export type AuthMethod = (TokenAuth | AppRoleAuth | KubernetesAuth | JwtAuth) & {
  /** Extra login parameters (VaultAuth `params`), merged under the method's own. */
  params?: Record<string, unknown>;
};

export const DEFAULT_MOUNTS = { appRole: 'approle', kubernetes: 'kubernetes', jwt: 'jwt' } as const;

/** Default lifetime of a requested service account token; kube-apiserver refuses less than 600 s. */
export const DEFAULT_SA_TOKEN_SECONDS = 600;

/** A short description for messages and logs: `kubernetes login (mount kubernetes, role app)`. */
export function describeMethod(method: AuthMethod): string {
  switch (method.type) {
    case 'token':
      return `token from Secret "${method.tokenSecretRef.name}"`;
    case 'appRole':
      return `appRole login (mount ${method.mount})`;
    case 'kubernetes':
      return `kubernetes login (mount ${method.mount}, role ${method.role})`;
    case 'jwt':
      return `jwt login (mount ${method.mount}${method.role ? `, role ${method.role}` : ''})`;
  }
}
