// `spec.provider.vault` of a SecretStore/ClusterSecretStore, with ESO's field names. The CRD
// schema (owned by the generic pipeline's API) is the source of truth for admission; this is
// the shape the provider reads, plus the checks admission cannot express.

import { checkCaProvider, type SecretKeySelector, type StoreRef } from '@lockstep/core';
import type { VaultStoreProvider } from '../api/vault-store-provider.ts';
import { type AuthMethod, DEFAULT_MOUNTS } from '../auth/auth-method.ts';
import { insecureTransportRefusal, type TransportPolicy } from '../client/transport-security.ts';

/** The store spec as the CRD schema (the source of truth) defines it; defaults may be missing when not admitted. */
export type VaultProviderSpec = VaultStoreProvider;

/** A Secret key reference as the schema spells it (`key` optional there, required here). */
interface SecretRef {
  name: string;
  key?: string;
  namespace?: string;
}

interface ServiceAccountRef {
  name: string;
  namespace?: string;
  audiences?: string[];
}

const AUTH_KINDS = ['tokenSecretRef', 'appRole', 'kubernetes', 'jwt', 'vaultAuthRef'] as const;

/** Static checks; each entry says what to fix. */
export function validateVaultSpec(
  spec: VaultProviderSpec | undefined,
  store: StoreRef,
  policy: TransportPolicy = {},
): string[] {
  if (!spec || typeof spec !== 'object') return ['spec.provider.vault is missing'];
  const errors: string[] = [];
  const at = 'spec.provider.vault';
  if (!spec.server) errors.push(`${at}.server is required: the Vault address, e.g. https://vault.example:8200`);
  else if (!/^https?:\/\/[^/]/.test(spec.server))
    errors.push(`${at}.server "${spec.server}" must be an http:// or https:// URL`);
  const refusal = insecureTransportRefusal(spec.server, `${at}.server`, policy);
  if (refusal) errors.push(refusal);
  if (spec.version !== undefined && spec.version !== 'v1' && spec.version !== 'v2') {
    errors.push(`${at}.version must be v1 or v2, not "${spec.version}"`);
  }
  if (spec.caBundle !== undefined && !decodeCaBundle(spec.caBundle)) {
    errors.push(`${at}.caBundle must be the base64 encoding of a PEM certificate bundle`);
  }
  if (spec.caProvider) errors.push(...checkCaProvider(`${at}.caProvider`, spec.caProvider, store));
  if (spec.readYourWrites) {
    errors.push(
      `${at}.readYourWrites is not supported: remove it (it needs Vault Enterprise's X-Vault-Index tracking); forwardInconsistent is`,
    );
  }
  if (spec.checkAndSet?.required) {
    errors.push(`${at}.checkAndSet.required is not supported: remove it (it applies to PushSecret, not run yet)`);
  }
  if (spec.tls?.certSecretRef || spec.tls?.keySecretRef) {
    errors.push(`${at}.tls (client certificates) is not supported yet: remove it and use another auth method`);
  }
  const auth = spec.auth ?? {};
  const chosen = AUTH_KINDS.filter((k) => auth[k] !== undefined);
  if (chosen.length !== 1) {
    errors.push(
      chosen.length === 0
        ? `${at}.auth needs exactly one of tokenSecretRef, appRole, kubernetes, jwt`
        : `${at}.auth sets ${chosen.join(' and ')}: choose exactly one`,
    );
    return errors;
  }
  if (auth.vaultAuthRef) {
    errors.push(
      `${at}.auth.vaultAuthRef is not supported yet (VaultAuth is not wired into stores): use tokenSecretRef, appRole, kubernetes or jwt`,
    );
  }
  if (auth.tokenSecretRef) checkRef(errors, store, `${at}.auth.tokenSecretRef`, auth.tokenSecretRef);
  if (auth.appRole) {
    const a = auth.appRole;
    if (!a.roleId && !a.roleRef) errors.push(`${at}.auth.appRole needs roleId or roleRef`);
    if (a.roleRef) checkRef(errors, store, `${at}.auth.appRole.roleRef`, a.roleRef);
    if (!a.secretRef) errors.push(`${at}.auth.appRole.secretRef is required: the Secret key holding the secret ID`);
    else checkRef(errors, store, `${at}.auth.appRole.secretRef`, a.secretRef);
  }
  if (auth.kubernetes) {
    const k = auth.kubernetes;
    if (!k.role) errors.push(`${at}.auth.kubernetes.role is required`);
    if (!k.serviceAccountRef && !k.secretRef) {
      // ESO would fall back to the controller's own token; Lockstep never lends its identity to a tenant.
      errors.push(`${at}.auth.kubernetes needs serviceAccountRef (or secretRef): Lockstep never logs in as itself`);
    }
    if (k.serviceAccountRef)
      checkServiceAccount(errors, store, `${at}.auth.kubernetes.serviceAccountRef`, k.serviceAccountRef);
    if (k.secretRef) checkRef(errors, store, `${at}.auth.kubernetes.secretRef`, k.secretRef);
  }
  if (auth.jwt) {
    const j = auth.jwt;
    if (!j.secretRef && !j.kubernetesServiceAccountToken) {
      errors.push(`${at}.auth.jwt needs secretRef or kubernetesServiceAccountToken`);
    }
    if (j.secretRef) checkRef(errors, store, `${at}.auth.jwt.secretRef`, j.secretRef);
    const sa = j.kubernetesServiceAccountToken;
    if (sa) {
      if (!sa.serviceAccountRef?.name)
        errors.push(`${at}.auth.jwt.kubernetesServiceAccountToken.serviceAccountRef.name is required`);
      else
        checkServiceAccount(
          errors,
          store,
          `${at}.auth.jwt.kubernetesServiceAccountToken.serviceAccountRef`,
          sa.serviceAccountRef,
        );
    }
  }
  return errors;
}

function checkRef(errors: string[], store: StoreRef, field: string, ref: SecretRef): void {
  if (!ref.name || !ref.key) errors.push(`${field} needs name and key`);
  checkNamespace(errors, store, `${field}.namespace`, ref.namespace);
}

function checkServiceAccount(errors: string[], store: StoreRef, field: string, ref: ServiceAccountRef): void {
  if (!ref.name) errors.push(`${field}.name is required`);
  checkNamespace(errors, store, `${field}.namespace`, ref.namespace);
}

/** A namespaced store never reaches into another namespace (ESO rejects it the same way). */
function checkNamespace(errors: string[], store: StoreRef, field: string, namespace: string | undefined): void {
  if (store.kind === 'SecretStore' && namespace !== undefined && namespace !== store.namespace) {
    errors.push(`${field} "${namespace}" is not allowed in a SecretStore: remove it or use the store's namespace`);
  }
}

/** The PEM inside a `caBundle`, or undefined when it is not base64 of a PEM. */
export function decodeCaBundle(caBundle: string): string | undefined {
  const pem = Buffer.from(caBundle, 'base64').toString('utf8');
  return pem.includes('-----BEGIN CERTIFICATE-----') ? pem : undefined;
}

/** ESO's auth block as one AuthMethod. Assumes validateVaultSpec passed. */
export function authMethodOf(spec: VaultProviderSpec): AuthMethod {
  const auth = spec.auth ?? {};
  if (auth.tokenSecretRef) return { type: 'token', tokenSecretRef: keyRef(auth.tokenSecretRef) };
  if (auth.appRole) {
    const a = auth.appRole;
    return {
      type: 'appRole',
      mount: a.path || DEFAULT_MOUNTS.appRole,
      ...(a.roleId ? { roleId: a.roleId } : {}),
      ...(a.roleRef ? { roleIdRef: keyRef(a.roleRef) } : {}),
      secretIdRef: keyRef(a.secretRef),
    };
  }
  if (auth.kubernetes) {
    const k = auth.kubernetes;
    return {
      type: 'kubernetes',
      mount: k.mountPath || DEFAULT_MOUNTS.kubernetes,
      role: k.role ?? '',
      ...(k.serviceAccountRef ? { serviceAccount: serviceAccount(k.serviceAccountRef) } : {}),
      ...(k.secretRef ? { jwtSecretRef: keyRef(k.secretRef) } : {}),
    };
  }
  if (auth.jwt) {
    const j = auth.jwt;
    const sat = j.kubernetesServiceAccountToken;
    return {
      type: 'jwt',
      mount: j.path || DEFAULT_MOUNTS.jwt,
      ...(j.role ? { role: j.role } : {}),
      ...(j.secretRef ? { jwtSecretRef: keyRef(j.secretRef) } : {}),
      ...(sat
        ? {
            serviceAccount: {
              ...serviceAccount(sat.serviceAccountRef),
              // ESO: the ref's audiences, else the deprecated top-level list.
              ...((sat.serviceAccountRef.audiences ?? sat.audiences)
                ? { audiences: sat.serviceAccountRef.audiences ?? sat.audiences }
                : {}),
              ...(sat.expirationSeconds ? { expirationSeconds: sat.expirationSeconds } : {}),
            },
          }
        : {}),
    };
  }
  throw new TypeError('spec.provider.vault.auth has no supported method');
}

function serviceAccount(ref: ServiceAccountRef): { name: string; namespace?: string; audiences?: string[] } {
  return {
    name: ref.name,
    ...(ref.namespace ? { namespace: ref.namespace } : {}),
    ...(ref.audiences ? { audiences: ref.audiences } : {}),
  };
}

/** The schema's selector (key optional) as KubeAccess takes it; validation has ensured the key. */
export function keyRef(ref: SecretRef): SecretKeySelector {
  return { name: ref.name, key: ref.key ?? '', ...(ref.namespace ? { namespace: ref.namespace } : {}) };
}
