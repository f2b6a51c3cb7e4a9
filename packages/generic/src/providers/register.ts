// The providers and generators `generic` owns, registered into the pipeline's registry. `vault`
// is registered by vault-native through the same registry (registerVaultIntoPipeline).

import type { ProviderRegistration, ProviderRegistry } from '@lockstep/core';
import { ecrAuthorizationTokenGenerator } from '../generators/ecr-authorization-token.ts';
import { fakeGenerator } from '../generators/fake.ts';
import { passwordGenerator } from '../generators/password.ts';
import { sshKeyGenerator } from '../generators/sshkey.ts';
import { stsSessionTokenGenerator } from '../generators/sts-session-token.ts';
import { uuidGenerator } from '../generators/uuid.ts';
import { createWebhookGenerator } from '../generators/webhook.ts';
import { awsRegistration } from './aws/provider.ts';
import { azureKvRegistration } from './azurekv/provider.ts';
import { fakeRegistration } from './fake/provider.ts';
import type { GenericProviderDeps } from './generic-provider-deps.ts';
import { kubernetesRegistration } from './kubernetes/provider.ts';
import { webhookRegistration } from './webhook/provider.ts';

/** generic's store providers, in the order of the SecretStore CRDs' `spec.provider` union. */
export const GENERIC_PROVIDERS: readonly ProviderRegistration<GenericProviderDeps>[] = [
  awsRegistration,
  kubernetesRegistration,
  fakeRegistration,
  webhookRegistration,
  azureKvRegistration,
];

export function registerGenericProviders(registry: ProviderRegistry, deps: GenericProviderDeps = {}): void {
  for (const registration of GENERIC_PROVIDERS) registry.register(registration, deps);
  registry.registerGenerator(passwordGenerator);
  registry.registerGenerator(fakeGenerator);
  registry.registerGenerator(uuidGenerator);
  registry.registerGenerator(sshKeyGenerator);
  registry.registerGenerator(stsSessionTokenGenerator);
  registry.registerGenerator(ecrAuthorizationTokenGenerator);
  registry.registerGenerator(createWebhookGenerator(deps.now ? { now: deps.now } : {}));
}
