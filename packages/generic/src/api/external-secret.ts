// ExternalSecret (ESO external-secrets.io/v1): which remote values become which Secret.
// Defaults follow ESO: refreshInterval 1h (`0` syncs once), refreshPolicy Periodic,
// target.creationPolicy Owner, target.deletionPolicy Retain, secretStoreRef.kind SecretStore.

import {
  ConditionsSchema,
  type CrdSource,
  EXTERNAL_CATEGORIES,
  EXTERNAL_GROUP,
  EXTERNAL_VERSION,
  GoDuration,
  KubeObject,
  MultiLedgerStatusSchema,
  RolloutRestartTargetsSchema,
  StringEnum,
  Timestamp,
} from '@lockstep/core';
import { type Static, Type } from 'typebox';
import { DataFromSchema, DataSchema, StoreRefSchema } from './external-secret-data.ts';
import { TargetSchema } from './external-secret-target.ts';

export const RefreshPolicies = ['CreatedOnce', 'Periodic', 'OnChange'] as const;

/** ESO's Ready reasons. */
export const ExternalSecretReasons = {
  synced: 'SecretSynced',
  syncedError: 'SecretSyncedError',
  deleted: 'SecretDeleted',
  missing: 'SecretMissing',
} as const;

export const ExternalSecretSpecSchema = Type.Object({
  secretStoreRef: Type.Optional(StoreRefSchema),
  target: TargetSchema,
  refreshInterval: GoDuration({ default: '1h', description: 'Go duration; `0` syncs once.' }),
  refreshPolicy: StringEnum(RefreshPolicies, { default: 'Periodic' }),
  data: Type.Optional(Type.Array(DataSchema)),
  dataFrom: Type.Optional(Type.Array(DataFromSchema)),
  rolloutRestartTargets: Type.Optional(RolloutRestartTargetsSchema),
});
export type ExternalSecretSpec = Static<typeof ExternalSecretSpecSchema>;

export const ExternalSecretStatusSchema = Type.Object({
  refreshTime: Type.Optional(Timestamp({ description: 'Last time the Secret was refreshed from the provider.' })),
  syncedResourceVersion: Type.Optional(Type.String({ description: 'metadata.generation-based version last synced.' })),
  binding: Type.Optional(Type.Object({ name: Type.String({ description: 'Name of the target Secret.' }) })),
  conditions: Type.Optional(ConditionsSchema),
  lockstep: Type.Optional(MultiLedgerStatusSchema),
});
export type ExternalSecretStatus = Static<typeof ExternalSecretStatusSchema>;

export const ExternalSecretSchema = KubeObject(ExternalSecretSpecSchema, ExternalSecretStatusSchema, {
  description: 'ExternalSecret: a Kubernetes Secret kept in lockstep with values of an external store.',
});
export type ExternalSecret = Static<typeof ExternalSecretSchema>;

export const externalSecretCrd: CrdSource = {
  group: EXTERNAL_GROUP,
  version: EXTERNAL_VERSION,
  kind: 'ExternalSecret',
  plural: 'externalsecrets',
  singular: 'externalsecret',
  scope: 'Namespaced',
  shortNames: ['es'],
  categories: EXTERNAL_CATEGORIES,
  schema: ExternalSecretSchema,
  printerColumns: [
    { name: 'Store', type: 'string', jsonPath: '.spec.secretStoreRef.name' },
    { name: 'Refresh Interval', type: 'string', jsonPath: '.spec.refreshInterval' },
  ],
};
