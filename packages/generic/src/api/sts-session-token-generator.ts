// STSSessionToken generator (ESO generators.external-secrets.io/v1alpha1 STSSessionToken):
// sts:GetSessionToken, answered as access_key_id, secret_access_key, session_token, expiration.

import { type CrdSource, GENERATOR_CATEGORIES, GENERATORS_GROUP, GENERATORS_VERSION, KubeObject } from '@lockstep/core';
import { type Static, Type } from 'typebox';
import { awsGeneratorFields } from './aws-generator-auth.ts';
import { GeneratorStatusSchema } from './password-generator.ts';

export const StsSessionTokenSpecSchema = Type.Object({
  ...awsGeneratorFields,
  requestParameters: Type.Optional(
    Type.Object({
      sessionDuration: Type.Optional(
        Type.Integer({ format: 'int32', minimum: 900, maximum: 129600, description: 'Seconds (900 to 129600).' }),
      ),
      serialNumber: Type.Optional(Type.String({ description: 'MFA device serial number or ARN.' })),
      tokenCode: Type.Optional(Type.String({ description: 'MFA code, when the IAM user requires MFA.' })),
    }),
  ),
});

export const StsSessionTokenSchema = KubeObject(StsSessionTokenSpecSchema, GeneratorStatusSchema, {
  description: 'STSSessionToken generator: temporary AWS credentials (sts:GetSessionToken) per refresh.',
});
export type StsSessionToken = Static<typeof StsSessionTokenSchema>;

export const stsSessionTokenCrd: CrdSource = {
  group: GENERATORS_GROUP,
  version: GENERATORS_VERSION,
  kind: 'STSSessionToken',
  plural: 'stssessiontokens',
  singular: 'stssessiontoken',
  scope: 'Namespaced',
  shortNames: [],
  categories: GENERATOR_CATEGORIES,
  schema: StsSessionTokenSchema,
  printerColumns: [],
};
