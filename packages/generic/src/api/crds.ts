// Every CRD generic serves. Store providers from other packages (vault) are passed in.

import type { CrdSource } from '@lockstep/core';
import type { TProperties } from 'typebox';
import { clusterExternalSecretCrd } from './cluster-external-secret.ts';
import { externalSecretCrd } from './external-secret.ts';
import { fakeGeneratorCrd } from './fake-generator.ts';
import { passwordCrd } from './password-generator.ts';
import { pushSecretCrd } from './push-secret.ts';
import { secretStoreCrds } from './secret-store.ts';
import { GenericStoreProviders } from './store-providers.ts';

export function genericCrds(extraStoreProviders: TProperties = {}): CrdSource[] {
  return [
    ...secretStoreCrds({ ...GenericStoreProviders, ...extraStoreProviders }),
    externalSecretCrd,
    clusterExternalSecretCrd,
    pushSecretCrd,
    passwordCrd,
    fakeGeneratorCrd,
  ];
}
