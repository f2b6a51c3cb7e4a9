// The providers generic implements. The `vault` provider lives in vault-native; the
// controller adds its schema when it assembles the SecretStore CRDs (see secret-store.ts).

import { AwsProviderSchema } from './provider-aws.ts';
import { FakeProviderSchema } from './provider-fake.ts';
import { KubernetesProviderSchema } from './provider-kubernetes.ts';

export const GenericStoreProviders = {
  aws: AwsProviderSchema,
  kubernetes: KubernetesProviderSchema,
  fake: FakeProviderSchema,
};
