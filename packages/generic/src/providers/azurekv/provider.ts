// The `azurekv` provider: validates `spec.provider.azurekv` and builds one Key Vault client
// per store configuration on the official @azure/keyvault-* and @azure/identity packages.

import {
  BackendError,
  credentialNamespace,
  type Provider,
  type ProviderContext,
  type ProviderRegistration,
  type StoreRef,
} from '@lockstep/core';
import { type AzureKvProvider, AzureKvProviderSchema } from '../../api/provider-azurekv.ts';
import type { CallObserver } from '../call-observer.ts';
import { stableKey } from '../client-key.ts';
import type { GenericProviderDeps } from '../generic-provider-deps.ts';
import { checkNamespace, checkSecretSelector } from '../secret-selector.ts';
import { keyVaultScope } from './azure-cloud.ts';
import { AzureKeyVaultClient } from './client.ts';
import { credentialFor } from './credential.ts';
import { type SdkOptions, sdkKeyVaultApi } from './key-vault-api.ts';

export interface AzureKvProviderDeps {
  /** Called once per Key Vault or Entra ID call, for metrics. */
  onCall?: CallObserver;
  now?: () => number;
  /** See AwsProviderDeps: lets a ClusterSecretStore use the controller's own identity. */
  allowClusterStoreAmbientCredentials?: boolean;
}

export type AzureSpecPolicy = Pick<AzureKvProviderDeps, 'allowClusterStoreAmbientCredentials'>;

const P = 'spec.provider.azurekv';

export function validateAzureKvSpec(spec: AzureKvProvider, store: StoreRef, policy: AzureSpecPolicy = {}): string[] {
  const problems: string[] = [];
  problems.push(...vaultUrlProblems(spec.vaultUrl));
  const ambient = ambientIdentityProblem(spec, store, policy);
  if (ambient) problems.push(ambient);
  const authType = spec.authType ?? 'ServicePrincipal';
  const refs = spec.authSecretRef;
  const checkRef = (field: keyof NonNullable<AzureKvProvider['authSecretRef']>) => {
    const ref = refs?.[field];
    if (ref) problems.push(...checkSecretSelector(`${P}.authSecretRef.${field}`, ref, store));
  };
  for (const field of ['clientId', 'tenantId', 'clientSecret', 'clientCertificate'] as const) checkRef(field);

  if (authType === 'ServicePrincipal') {
    if (!spec.tenantId && !refs?.tenantId) problems.push(`${P}.tenantId is required with authType ServicePrincipal`);
    if (!refs?.clientId) problems.push(`${P}.authSecretRef.clientId is required with authType ServicePrincipal`);
    if (refs?.clientSecret && refs.clientCertificate) {
      problems.push(`${P}.authSecretRef: set only one of clientSecret and clientCertificate`);
    } else if (!refs?.clientSecret && !refs?.clientCertificate) {
      problems.push(`${P}.authSecretRef needs clientSecret or clientCertificate with authType ServicePrincipal`);
    }
  }
  if (authType === 'WorkloadIdentity' && spec.serviceAccountRef) {
    problems.push(...checkNamespace(`${P}.serviceAccountRef`, spec.serviceAccountRef.namespace, store));
    // The ServiceAccount's azure.workload.identity/* annotations are not read: name the ids here.
    if (!refs?.clientId) {
      problems.push(
        `${P}.authSecretRef.clientId is required with WorkloadIdentity and serviceAccountRef: Lockstep does not read the ServiceAccount's azure.workload.identity/client-id annotation`,
      );
    }
    if (!spec.tenantId && !refs?.tenantId) {
      problems.push(
        `${P}.tenantId (or authSecretRef.tenantId) is required with WorkloadIdentity and serviceAccountRef`,
      );
    }
  }
  if (authType !== 'WorkloadIdentity' && spec.serviceAccountRef) {
    problems.push(`${P}.serviceAccountRef applies to authType WorkloadIdentity only: remove it`);
  }
  if (authType !== 'ManagedIdentity' && spec.identityId) {
    problems.push(`${P}.identityId applies to authType ManagedIdentity only: remove it`);
  }
  if (spec.environmentType === 'AzureStackCloud' && !spec.customCloudConfig) {
    problems.push(`${P}.customCloudConfig is required with environmentType AzureStackCloud`);
  }
  return problems;
}

function vaultUrlProblems(vaultUrl: string | undefined): string[] {
  if (!vaultUrl) return [`${P}.vaultUrl is required, like https://my-vault.vault.azure.net`];
  let url: URL;
  try {
    url = new URL(vaultUrl);
  } catch {
    return [`${P}.vaultUrl "${vaultUrl}" is not a URL: use https://<vault-name>.vault.azure.net`];
  }
  if (url.protocol !== 'https:') return [`${P}.vaultUrl must use https (Key Vault serves nothing else)`];
  if (url.pathname !== '/' && url.pathname !== '') {
    return [`${P}.vaultUrl must be the vault's root URL without a path, like https://${url.host}`];
  }
  return [];
}

/**
 * ManagedIdentity, and WorkloadIdentity without serviceAccountRef, log in as the controller
 * itself. As for AWS, a tenant who can create a SecretStore must never borrow that identity;
 * a ClusterSecretStore may, with the controller's opt-in flag.
 */
function ambientIdentityProblem(spec: AzureKvProvider, store: StoreRef, policy: AzureSpecPolicy): string | undefined {
  const ambient =
    spec.authType === 'ManagedIdentity' || (spec.authType === 'WorkloadIdentity' && !spec.serviceAccountRef);
  if (!ambient) return undefined;
  const how =
    spec.authType === 'ManagedIdentity' ? 'authType ManagedIdentity' : 'WorkloadIdentity without serviceAccountRef';
  if (store.kind === 'SecretStore') {
    return `${P}: ${how} uses the controller's own Azure identity, which a namespaced SecretStore never may: use ServicePrincipal, or WorkloadIdentity with serviceAccountRef`;
  }
  if (policy.allowClusterStoreAmbientCredentials) return undefined;
  return `${P}: ${how} uses the controller's own Azure identity: a ClusterSecretStore needs the controller flag --allow-cluster-store-ambient-credentials (chart value allowClusterStoreAmbientCredentials) for it`;
}

/** Equal keys share one client; credentials read from a namespace make it part of the identity. */
export function azureKvClientKey(spec: AzureKvProvider, ctx: ProviderContext): string {
  const refs = spec.authSecretRef;
  const namespace = credentialNamespace(ctx, [
    refs?.clientId,
    refs?.tenantId,
    refs?.clientSecret,
    refs?.clientCertificate,
    spec.serviceAccountRef,
  ]);
  return stableKey({ provider: 'azurekv', kind: ctx.store.kind, ...(namespace ? { namespace } : {}), spec });
}

export function createAzureKvProvider(deps: AzureKvProviderDeps = {}): Provider<AzureKvProvider> {
  return {
    name: 'azurekv',
    capabilities: 'ReadWrite',
    validateSpec: (spec, store) => validateAzureKvSpec(spec, store, deps),
    clientKey: azureKvClientKey,
    async newClient(spec: AzureKvProvider, ctx: ProviderContext) {
      // Checked again here: a caller that skipped validateSpec must not get the ambient identity.
      const ambient = ambientIdentityProblem(spec, ctx.store, deps);
      if (ambient) throw new BackendError('InvalidInput', 'azurekv', ambient);
      const credential = credentialFor(spec, ctx, {
        ...(deps.onCall ? { onCall: deps.onCall } : {}),
        ...(deps.now ? { now: deps.now } : {}),
      });
      // Azure Stack vaults answer auth challenges for their own resource, not *.vault.azure.net.
      const options: SdkOptions =
        spec.environmentType === 'AzureStackCloud' ? { disableChallengeResourceVerification: true } : {};
      const api = sdkKeyVaultApi(spec.vaultUrl, credential, options);
      return new AzureKeyVaultClient({
        api,
        vaultUrl: spec.vaultUrl,
        credential,
        scope: keyVaultScope(spec),
        ...(deps.onCall ? { onCall: deps.onCall } : {}),
      });
    },
  };
}

/** Its client reports every Key Vault call (GetSecret, GetSecrets, SetSecret, …) and each token fetch. */
export const azureKvRegistration: ProviderRegistration<GenericProviderDeps> = {
  name: 'azurekv',
  schema: AzureKvProviderSchema,
  metrics: 'client',
  create: (deps, { onCall }) =>
    createAzureKvProvider({
      onCall,
      allowClusterStoreAmbientCredentials: deps.allowClusterStoreAmbientCredentials,
      ...(deps.now ? { now: deps.now } : {}),
    }),
};
