// Every CRD generic serves. The store CRDs' `spec.provider` union is made of the registered
// providers (generic's and vault-native's), which the controller passes in.

import { type CrdSource, type ProviderDescription, storeProviderSchemas } from '@lockstep/core';
import { clusterExternalSecretCrd } from './cluster-external-secret.ts';
import { clusterGeneratorCrd } from './cluster-generator.ts';
import { clusterPushSecretCrd } from './cluster-push-secret.ts';
import { ecrAuthorizationTokenCrd } from './ecr-authorization-token-generator.ts';
import { externalSecretCrd } from './external-secret.ts';
import { fakeGeneratorCrd } from './fake-generator.ts';
import { generatorStateCrd } from './generator-state.ts';
import { passwordCrd } from './password-generator.ts';
import { pushSecretCrd } from './push-secret.ts';
import { secretStoreCrds } from './secret-store.ts';
import { sshKeyCrd } from './sshkey-generator.ts';
import { stsSessionTokenCrd } from './sts-session-token-generator.ts';
import { uuidCrd } from './uuid-generator.ts';
import { webhookGeneratorCrd } from './webhook-generator.ts';

export function genericCrds(storeProviders: readonly ProviderDescription[]): CrdSource[] {
  return [
    ...secretStoreCrds(storeProviderSchemas(storeProviders)),
    externalSecretCrd,
    clusterExternalSecretCrd,
    pushSecretCrd,
    clusterPushSecretCrd,
    passwordCrd,
    fakeGeneratorCrd,
    uuidCrd,
    sshKeyCrd,
    stsSessionTokenCrd,
    ecrAuthorizationTokenCrd,
    clusterGeneratorCrd,
    generatorStateCrd,
    webhookGeneratorCrd,
  ];
}
