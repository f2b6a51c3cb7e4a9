// VaultStaticSecret (VSO v1beta1): a KV v1/v2 secret synced to a Kubernetes Secret.
// `type` is required (no default), `hmacSecretData` defaults to true as in VSO.

import { ConditionsSchema, Int64, KubeObject, StringEnum, VsoDuration } from '@lockstep/core';
import { type Static, Type } from 'typebox';
import { vaultCrd } from './vault-crd.ts';
import { commonSecretSpecFields } from './vault-secret-common.ts';

export const VaultStaticSecretSpecSchema = Type.Object({
  ...commonSecretSpecFields,
  path: Type.String({ minLength: 1, description: 'Path of the secret under the mount.' }),
  type: StringEnum(['kv-v1', 'kv-v2'] as const),
  version: Type.Optional(Type.Integer({ minimum: 0, description: 'KV v2 version; 0 or unset means latest.' })),
  refreshAfter: Type.Optional(VsoDuration({ description: 'How often to re-read the secret, e.g. 30s.' })),
  hmacSecretData: Type.Boolean({ default: true }),
  syncConfig: Type.Optional(Type.Object({ instantUpdates: Type.Optional(Type.Boolean()) })),
});

export const VaultStaticSecretStatusSchema = Type.Object({
  lastGeneration: Type.Optional(Int64()),
  secretMAC: Type.Optional(Type.String({ description: 'Keyed HMAC of the synced data (never a plain hash).' })),
  conditions: Type.Optional(ConditionsSchema),
});

export const VaultStaticSecretSchema = KubeObject(VaultStaticSecretSpecSchema, VaultStaticSecretStatusSchema, {
  description: 'VaultStaticSecret: a Vault KV secret kept in lockstep with a Kubernetes Secret.',
});
export type VaultStaticSecret = Static<typeof VaultStaticSecretSchema>;

export const vaultStaticSecretCrd = vaultCrd('VaultStaticSecret', VaultStaticSecretSchema, {
  shortNames: ['vss'],
  printerColumns: [
    { name: 'Type', type: 'string', jsonPath: '.spec.type' },
    { name: 'Path', type: 'string', jsonPath: '.spec.path', priority: 1 },
  ],
});
