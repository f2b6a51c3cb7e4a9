// ECRAuthorizationToken generator (ESO generators.external-secrets.io/v1alpha1
// ECRAuthorizationToken): ecr:GetAuthorizationToken, answered as username, password,
// proxy_endpoint and expires_at.

import { type CrdSource, GENERATOR_CATEGORIES, GENERATORS_GROUP, GENERATORS_VERSION, KubeObject } from '@lockstep/core';
import { type Static, Type } from 'typebox';
import { awsGeneratorFields } from './aws-generator-auth.ts';
import { GeneratorStatusSchema } from './password-generator.ts';

export const EcrAuthorizationTokenSpecSchema = Type.Object({
  ...awsGeneratorFields,
  scope: Type.Optional(
    Type.String({ description: 'private (default): the account registry. public (ECR Public) is not served yet.' }),
  ),
});

export const EcrAuthorizationTokenSchema = KubeObject(EcrAuthorizationTokenSpecSchema, GeneratorStatusSchema, {
  description: 'ECRAuthorizationToken generator: a registry login (ecr:GetAuthorizationToken) per refresh.',
});
export type EcrAuthorizationToken = Static<typeof EcrAuthorizationTokenSchema>;

export const ecrAuthorizationTokenCrd: CrdSource = {
  group: GENERATORS_GROUP,
  version: GENERATORS_VERSION,
  kind: 'ECRAuthorizationToken',
  plural: 'ecrauthorizationtokens',
  singular: 'ecrauthorizationtoken',
  scope: 'Namespaced',
  shortNames: [],
  categories: GENERATOR_CATEGORIES,
  schema: EcrAuthorizationTokenSchema,
  printerColumns: [],
};
