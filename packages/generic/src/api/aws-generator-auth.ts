// ESO's generator AWSAuth (STSSessionToken, ECRAuthorizationToken): static keys from a Secret,
// or a service account's token exchanged for `role`. Unlike a store's, exactly one is required:
// a generator never runs on the controller's own AWS identity.

import { ExactlyOneOf, SecretKeySelectorSchema, ServiceAccountSelectorSchema } from '@lockstep/core';
import { type Static, Type } from 'typebox';

export const AwsGeneratorAuthSchema = ExactlyOneOf(
  {
    secretRef: Type.Object({
      accessKeyIDSecretRef: SecretKeySelectorSchema,
      secretAccessKeySecretRef: SecretKeySelectorSchema,
      sessionTokenSecretRef: Type.Optional(SecretKeySelectorSchema),
    }),
    jwt: Type.Object({ serviceAccountRef: ServiceAccountSelectorSchema }),
  },
  { description: 'How to authenticate with AWS: secretRef (access keys) or jwt (a service account token for `role`).' },
);
export type AwsGeneratorAuth = Static<typeof AwsGeneratorAuthSchema>;

/** The fields both AWS generators share. */
export const awsGeneratorFields = {
  region: Type.String({ minLength: 1, description: 'AWS region.' }),
  auth: Type.Optional(AwsGeneratorAuthSchema),
  role: Type.Optional(Type.String({ description: 'IAM role ARN assumed before the call.' })),
};
