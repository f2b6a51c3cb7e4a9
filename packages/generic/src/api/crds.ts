// Every CRD generic serves. The store CRDs' `spec.provider` union is made of the registered
// providers (generic's and vault-native's), which the controller passes in.

import { type CrdSource, type ProviderDescription, storeProviderSchemas } from '@lockstep/core';
import { clusterExternalSecretCrd } from './cluster-external-secret.ts';
import { externalSecretCrd } from './external-secret.ts';
import { fakeGeneratorCrd } from './fake-generator.ts';
import { passwordCrd } from './password-generator.ts';
import { pushSecretCrd } from './push-secret.ts';
import { secretStoreCrds } from './secret-store.ts';

export function genericCrds(storeProviders: readonly ProviderDescription[]): CrdSource[] {
  return [
    ...secretStoreCrds(storeProviderSchemas(storeProviders)),
    externalSecretCrd,
    clusterExternalSecretCrd,
    pushSecretCrd,
    passwordCrd,
    fakeGeneratorCrd,
  ];
}
