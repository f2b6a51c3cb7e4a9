// Every Lockstep CRD, assembled from the packages that own them. This is the one place
// where generic's SecretStore meets vault-native's `vault` provider schema.

import type { CrdSource } from '@lockstep/core';
import { genericCrds } from '@lockstep/generic';
import { VaultStoreProviderSchema, vaultNativeCrds } from '@lockstep/vault-native';

export function crdCatalog(): CrdSource[] {
  return [...genericCrds({ vault: VaultStoreProviderSchema }), ...vaultNativeCrds];
}
