// The generic pipeline's store providers and generators, generic's and vault-native's: each
// provider is built from its registration (schema, factory, metrics), so the SecretStore CRD
// union (manifests/crd-catalog.ts), the registry and lockstep_provider_requests_total all
// follow this one list.

import type { KubeConfig } from '@kubernetes/client-node';
import { type LockstepMetrics, type ProviderDescription, ProviderRegistry } from '@lockstep/core';
import { GENERIC_PROVIDERS, registerGenericProviders } from '@lockstep/generic';
import {
  registerVaultIntoPipeline,
  type TokenManager,
  type VaultPipelineHandle,
  vaultRegistration,
} from '@lockstep/vault-native';
import type { Flags } from './flags.ts';

/** Every store provider of the binary, in the order of the CRDs' `spec.provider` union. */
export const STORE_PROVIDERS: readonly ProviderDescription[] = [...GENERIC_PROVIDERS, vaultRegistration];

export interface ProviderSetupOptions {
  flags: Pick<Flags, 'allowClusterStoreAmbientCredentials' | 'refuseInsecureTransport'>;
  kc: KubeConfig;
  metrics: LockstepMetrics;
  /** The login tokens vault-native shares, so both models log in once per identity. */
  tokens: TokenManager;
}

export function createProviderRegistry(options: ProviderSetupOptions): {
  registry: ProviderRegistry;
  vault: VaultPipelineHandle;
} {
  const { flags, metrics } = options;
  const registry = new ProviderRegistry({
    onCall: (provider, operation, result) => metrics.providerRequests.add(1, { provider, operation, result }),
  });
  registerGenericProviders(registry, {
    localKubeConfig: options.kc,
    allowClusterStoreAmbientCredentials: flags.allowClusterStoreAmbientCredentials,
  });
  const vault = registerVaultIntoPipeline(registry, {
    tokens: options.tokens,
    refuseInsecureTransport: flags.refuseInsecureTransport,
    // Every HTTP attempt to Vault of both models, retries included (docs/operations.md).
    clientOptions: {
      onAttempt: ({ method }, result) =>
        metrics.providerRequests.add(1, { provider: 'vault-http', operation: method, result }),
    },
  });
  return { registry, vault };
}
