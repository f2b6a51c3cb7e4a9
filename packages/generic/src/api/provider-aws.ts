// `spec.provider.aws` of a SecretStore (ESO AWSProvider): Secrets Manager and Parameter Store.

import { ExactlyOneOf, SecretKeySelectorSchema, ServiceAccountSelectorSchema, StringEnum } from '@lockstep/core';
import { type Static, Type } from 'typebox';

export const AwsProviderSchema = Type.Object({
  service: StringEnum(['SecretsManager', 'ParameterStore'] as const, {
    description: 'SecretsManager or ParameterStore (SSM).',
  }),
  region: Type.String({ minLength: 1 }),
  role: Type.Optional(Type.String({ description: 'IAM role ARN assumed after authenticating.' })),
  additionalRoles: Type.Optional(Type.Array(Type.String())),
  externalID: Type.Optional(Type.String()),
  sessionTags: Type.Optional(Type.Array(Type.Object({ key: Type.String(), value: Type.String() }))),
  transitiveTagKeys: Type.Optional(Type.Array(Type.String())),
  prefix: Type.Optional(Type.String({ description: 'Prepended to every remote key.' })),
  secretsManager: Type.Optional(
    // Only with service SecretsManager (validateSpec says so).
    Type.Object({
      forceDeleteWithoutRecovery: Type.Optional(Type.Boolean()),
      recoveryWindowInDays: Type.Optional(Type.Integer({ minimum: 7, maximum: 30 })),
    }),
  ),
  auth: Type.Optional(
    ExactlyOneOf(
      {
        secretRef: Type.Object({
          accessKeyIDSecretRef: SecretKeySelectorSchema,
          secretAccessKeySecretRef: SecretKeySelectorSchema,
          sessionTokenSecretRef: Type.Optional(SecretKeySelectorSchema),
        }),
        jwt: Type.Object({ serviceAccountRef: ServiceAccountSelectorSchema }),
      },
      { description: 'Omit to use the SDK default credential chain.' },
    ),
  ),
});
export type AwsProvider = Static<typeof AwsProviderSchema>;
