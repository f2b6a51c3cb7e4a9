// Every Lockstep CRD, assembled from the packages that own them. The SecretStore CRDs'
// `spec.provider` union is made of every registered provider's schema (STORE_PROVIDERS).

import type { CrdSource } from '@lockstep/core';
import { genericCrds } from '@lockstep/generic';
import { vaultNativeCrds } from '@lockstep/vault-native';
import { STORE_PROVIDERS } from '../provider-registry.ts';

export function crdCatalog(): CrdSource[] {
  return [...genericCrds(STORE_PROVIDERS), ...vaultNativeCrds];
}
