// SecretStore and ClusterSecretStore (ESO external-secrets.io/v1). `spec.provider` is a
// union with exactly one provider set, made of the registered providers' schemas: the
// controller calls `genericCrds([...GENERIC_PROVIDERS, vault])`, since the `vault` one belongs to
// vault-native, which generic never imports.

import {
  ConditionsSchema,
  type CrdSource,
  EXTERNAL_CATEGORIES,
  EXTERNAL_GROUP,
  EXTERNAL_VERSION,
  ExactlyOneOf,
  KubeObject,
  LabelSelectorSchema,
  StringEnum,
} from '@lockstep/core';
import { type TProperties, Type } from 'typebox';

export const StoreCapabilities = ['ReadOnly', 'WriteOnly', 'ReadWrite'] as const;

const RetrySettingsSchema = Type.Object({
  maxRetries: Type.Optional(Type.Integer({ minimum: 0, format: 'int32' })),
  retryInterval: Type.Optional(Type.String({ description: 'Go duration between retries, e.g. `10s`.' })),
});

/** ClusterSecretStore `spec.conditions[]`: which namespaces may use the store (any entry matching suffices). */
export const ClusterStoreConditionSchema = Type.Object({
  namespaceSelector: Type.Optional(LabelSelectorSchema),
  namespaces: Type.Optional(Type.Array(Type.String())),
  namespaceRegexes: Type.Optional(Type.Array(Type.String())),
});

function storeSpecFields<P extends TProperties>(providers: P) {
  return {
    controller: Type.Optional(
      Type.String({ description: 'Only the controller with this --controller-class serves the store.' }),
    ),
    provider: ExactlyOneOf(providers, { description: 'Exactly one provider.' }),
    retrySettings: Type.Optional(RetrySettingsSchema),
    refreshInterval: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Seconds between store re-validations; 0 uses the controller default.' }),
    ),
  };
}

function secretStoreSpecSchema<P extends TProperties>(providers: P) {
  return Type.Object(storeSpecFields(providers));
}

function clusterSecretStoreSpecSchema<P extends TProperties>(providers: P) {
  return Type.Object({
    ...storeSpecFields(providers),
    conditions: Type.Optional(Type.Array(ClusterStoreConditionSchema)),
  });
}

export const SecretStoreStatusSchema = Type.Object({
  conditions: Type.Optional(ConditionsSchema),
  capabilities: Type.Optional(StringEnum(StoreCapabilities)),
});

const SECRET_STORE_DESCRIPTION = 'SecretStore: how to reach one external secret store, usable from its own namespace.';
const CLUSTER_SECRET_STORE_DESCRIPTION =
  'ClusterSecretStore: a SecretStore usable from the namespaces its conditions allow.';

const storeColumns: CrdSource['printerColumns'] = [
  { name: 'Capabilities', type: 'string', jsonPath: '.status.capabilities' },
];

/** Both store CRDs over the given provider schemas (generic's plus the ones registered from other packages). */
export function secretStoreCrds<P extends TProperties>(providers: P): CrdSource[] {
  const common = { group: EXTERNAL_GROUP, version: EXTERNAL_VERSION, categories: EXTERNAL_CATEGORIES };
  return [
    {
      ...common,
      kind: 'SecretStore',
      plural: 'secretstores',
      singular: 'secretstore',
      scope: 'Namespaced',
      shortNames: ['ss'],
      schema: KubeObject(secretStoreSpecSchema(providers), SecretStoreStatusSchema, {
        description: SECRET_STORE_DESCRIPTION,
      }),
      printerColumns: storeColumns,
    },
    {
      ...common,
      kind: 'ClusterSecretStore',
      plural: 'clustersecretstores',
      singular: 'clustersecretstore',
      scope: 'Cluster',
      shortNames: ['css'],
      schema: KubeObject(clusterSecretStoreSpecSchema(providers), SecretStoreStatusSchema, {
        description: CLUSTER_SECRET_STORE_DESCRIPTION,
      }),
      printerColumns: storeColumns,
    },
  ];
}
