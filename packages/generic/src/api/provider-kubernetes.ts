// `spec.provider.kubernetes` of a SecretStore (ESO KubernetesProvider): reads Secrets of
// another namespace or cluster.

import { CaProviderSchema, ExactlyOneOf, SecretKeySelectorSchema, ServiceAccountSelectorSchema } from '@lockstep/core';
import { type Static, Type } from 'typebox';

export const KubernetesProviderSchema = Type.Object({
  remoteNamespace: Type.String({ default: 'default', description: 'Namespace to read Secrets from.' }),
  server: Type.Optional(
    Type.Object({
      url: Type.String({ default: 'kubernetes.default' }),
      caBundle: Type.Optional(Type.String({ format: 'byte' })),
      caProvider: Type.Optional(CaProviderSchema),
    }),
  ),
  auth: Type.Optional(
    ExactlyOneOf({
      serviceAccount: ServiceAccountSelectorSchema,
      token: Type.Object({ bearerToken: SecretKeySelectorSchema }),
      cert: Type.Object({ clientCert: SecretKeySelectorSchema, clientKey: SecretKeySelectorSchema }),
    }),
  ),
  authRef: Type.Optional(SecretKeySelectorSchema),
});
export type KubernetesProvider = Static<typeof KubernetesProviderSchema>;
