// VaultDynamicSecret (VSO v1beta1): leased credentials (database, AWS, ...) renewed by the
// lease engine. renewalPercent defaults to 67 and is capped at 90 as in VSO. Lockstep
// adds `status.leaseExpiry`, `status.nextRotation` and the lease ledger
// (`status.lockstep.ledger`) the engine resumes from after a restart.

import { FreeForm, Int64, KubeObject, StringEnum, Timestamp, VsoDuration } from '@lockstep/core';
import { type Static, Type } from 'typebox';
import { vaultCrd } from './vault-crd.ts';
import { commonSecretSpecFields, leasedStatusFields } from './vault-secret-common.ts';

export const VaultDynamicSecretSpecSchema = Type.Object({
  ...commonSecretSpecFields,
  path: Type.String({ minLength: 1, description: 'Path under the mount, e.g. creds/my-role.' }),
  params: Type.Optional(
    FreeForm({
      description: 'Request body sent to Vault. Free-form (VSO allows strings only; any JSON value is accepted here).',
    }),
  ),
  requestHTTPMethod: Type.Optional(
    StringEnum(['GET', 'POST', 'PUT'] as const, { description: 'Default GET, or POST when params are set.' }),
  ),
  renewalPercent: Type.Integer({ default: 67, minimum: 0, maximum: 90 }),
  revoke: Type.Boolean({ default: false, description: 'Revoke the lease when the resource is deleted.' }),
  allowStaticCreds: Type.Boolean({ default: false, description: 'The path serves static-creds (no lease).' }),
  refreshAfter: Type.Optional(VsoDuration({ description: 'Re-sync period for non-leased responses.' })),
});
export type VaultDynamicSecretSpec = Static<typeof VaultDynamicSecretSpecSchema>;

export const VaultDynamicSecretStatusSchema = Type.Object({
  lastGeneration: Type.Optional(Int64()),
  lastRenewalTime: Type.Optional(Int64({ description: 'Unix seconds of the last renewal (VSO).' })),
  secretLease: Type.Optional(
    Type.Object({
      id: Type.String(),
      duration: Type.Integer({ minimum: 0, description: 'Lease duration in seconds.' }),
      renewable: Type.Boolean(),
      requestID: Type.Optional(Type.String()),
    }),
  ),
  staticCredsMetaData: Type.Optional(
    Type.Object({
      lastVaultRotation: Int64(),
      rotationPeriod: Int64(),
      rotationSchedule: Type.Optional(Type.String()),
      ttl: Int64(),
    }),
  ),
  secretMAC: Type.Optional(Type.String()),
  lastRuntimePodUID: Type.Optional(Type.String()),
  leaseExpiry: Type.Optional(Timestamp({ description: 'Lockstep: when the current lease expires.' })),
  ...leasedStatusFields('Lockstep: when the next renewal or re-issue is due.'),
});
export type VaultDynamicSecretStatus = Static<typeof VaultDynamicSecretStatusSchema>;

export const VaultDynamicSecretSchema = KubeObject(VaultDynamicSecretSpecSchema, VaultDynamicSecretStatusSchema, {
  description: 'VaultDynamicSecret: leased Vault credentials renewed, re-issued and revoked by the lease engine.',
});
export type VaultDynamicSecret = Static<typeof VaultDynamicSecretSchema>;

export const vaultDynamicSecretCrd = vaultCrd('VaultDynamicSecret', VaultDynamicSecretSchema, {
  shortNames: ['vds'],
  printerColumns: [
    // Future instants as RFC 3339 text: kubectl prints a `date` column as an age (`<invalid>` ahead of now).
    { name: 'Lease Expiry', type: 'string', jsonPath: '.status.leaseExpiry' },
    { name: 'Next Rotation', type: 'string', jsonPath: '.status.nextRotation', priority: 1 },
  ],
});
