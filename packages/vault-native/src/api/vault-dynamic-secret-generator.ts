// VaultDynamicSecret generator (ESO generators.external-secrets.io/v1alpha1): the ESO
// model's leased credentials. The lease it returns is recorded in the consuming
// ExternalSecret's `status.lockstep.ledgers` and served by the same lease engine.

import {
  ConditionsSchema,
  type CrdSource,
  FreeForm,
  GENERATOR_CATEGORIES,
  GENERATORS_GROUP,
  GENERATORS_VERSION,
  KubeObject,
  StringEnum,
} from '@lockstep/core';
import { type Static, Type } from 'typebox';
import { VaultStoreProviderSchema } from './vault-store-provider.ts';

export const VaultDynamicSecretGeneratorSpecSchema = Type.Object({
  controller: Type.Optional(Type.String()),
  provider: VaultStoreProviderSchema,
  path: Type.String({ minLength: 1, description: 'Vault path, e.g. database/creds/app.' }),
  method: Type.Optional(Type.String({ description: 'HTTP method (GET, POST, ...); default GET.' })),
  parameters: Type.Optional(FreeForm({ description: 'Request body (free-form JSON).' })),
  resultType: StringEnum(['Data', 'Auth', 'Raw'] as const, { default: 'Data' }),
  allowEmptyResponse: Type.Boolean({ default: false }),
  retrySettings: Type.Optional(
    Type.Object({
      maxRetries: Type.Optional(Type.Integer({ minimum: 0, format: 'int32' })),
      retryInterval: Type.Optional(Type.String()),
    }),
  ),
});

export const VaultDynamicSecretGeneratorSchema = KubeObject(
  VaultDynamicSecretGeneratorSpecSchema,
  Type.Object({ conditions: Type.Optional(ConditionsSchema) }),
  { description: 'VaultDynamicSecret generator: leased Vault credentials for ExternalSecret dataFrom.' },
);
export type VaultDynamicSecretGenerator = Static<typeof VaultDynamicSecretGeneratorSchema>;

export const vaultDynamicSecretGeneratorCrd: CrdSource = {
  group: GENERATORS_GROUP,
  version: GENERATORS_VERSION,
  kind: 'VaultDynamicSecret',
  plural: 'vaultdynamicsecrets',
  singular: 'vaultdynamicsecret',
  scope: 'Namespaced',
  shortNames: [],
  categories: GENERATOR_CATEGORIES,
  schema: VaultDynamicSecretGeneratorSchema,
  printerColumns: [{ name: 'Path', type: 'string', jsonPath: '.spec.path' }],
};
