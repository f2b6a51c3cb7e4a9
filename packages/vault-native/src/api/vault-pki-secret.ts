// VaultPKISecret (VSO v1beta1): a certificate issued by Vault PKI, re-issued at
// `expiration - expiryOffset` (default 2/3 of the lifetime when unset). Lockstep adds
// `status.certificateExpiry` (RFC 3339 form of VSO's unix `expiration`, for the printer
// column), `status.nextRotation` and the ledger of certificates awaiting revocation.

import { type CheckedRule, celRules, Int64, KubeObject, StringEnum, Timestamp, VsoDuration } from '@lockstep/core';
import { type Static, Type } from 'typebox';
import { vaultCrd } from './vault-crd.ts';
import { commonSecretSpecFields, leasedStatusFields } from './vault-secret-common.ts';

/** `clear` empties the Secret on delete, which Lockstep does only for a Secret it created for this resource. */
export const PKI_CLEAR_RULES: readonly CheckedRule<{ clear?: boolean; destination?: { create?: boolean } }>[] = [
  {
    rule: '!(has(self.clear) && self.clear) || (has(self.destination.create) && self.destination.create)',
    message:
      'spec.clear empties the destination Secret on delete, and Lockstep empties only a Secret it created for this resource: set destination.create: true, or drop clear',
    fieldPath: '.clear',
    violated: (s) => s.clear === true && !s.destination?.create,
  },
];

export const VaultPKISecretSpecSchema = Type.Object(
  {
    ...commonSecretSpecFields,
    role: Type.String({ minLength: 1, description: 'PKI role used to issue.' }),
    issuerRef: Type.Optional(Type.String({ description: 'Issuer ID or name; `default` for the default issuer.' })),
    commonName: Type.Optional(Type.String()),
    altNames: Type.Optional(Type.Array(Type.String())),
    ipSans: Type.Optional(Type.Array(Type.String())),
    uriSans: Type.Optional(Type.Array(Type.String())),
    otherSans: Type.Optional(Type.Array(Type.String())),
    excludeCNFromSans: Type.Optional(Type.Boolean()),
    ttl: Type.Optional(VsoDuration()),
    notAfter: Type.Optional(Type.String({ description: 'UTC YYYY-MM-ddTHH:MM:SSZ; alternative to ttl.' })),
    expiryOffset: Type.Optional(VsoDuration({ description: 'Re-issue this long before expiration.' })),
    format: StringEnum(['pem', 'der', 'pem_bundle'] as const, { default: 'pem' }),
    privateKeyFormat: StringEnum(['der', 'pkcs8'] as const, { default: 'der' }),
    revoke: Type.Boolean({ default: false, description: 'Revoke the certificate on delete and after rotation.' }),
    clear: Type.Boolean({
      default: false,
      description: 'Empty the Secret when the resource is deleted (only a Secret created for this resource).',
    }),
  },
  celRules(PKI_CLEAR_RULES),
);
export type VaultPKISecretSpec = Static<typeof VaultPKISecretSpecSchema>;

export const VaultPKISecretStatusSchema = Type.Object({
  valid: Type.Optional(Type.Boolean()),
  error: Type.Optional(Type.String()),
  serialNumber: Type.Optional(Type.String()),
  expiration: Type.Optional(Int64({ description: 'Unix seconds (VSO).' })),
  lastRotation: Type.Optional(Int64({ description: 'Unix seconds (VSO).' })),
  lastGeneration: Type.Optional(Int64()),
  secretMAC: Type.Optional(Type.String()),
  certificateExpiry: Type.Optional(Timestamp({ description: 'Lockstep: `expiration` as RFC 3339.' })),
  ...leasedStatusFields('Lockstep: when the certificate will be re-issued.'),
});
export type VaultPKISecretStatus = Static<typeof VaultPKISecretStatusSchema>;

export const VaultPKISecretSchema = KubeObject(VaultPKISecretSpecSchema, VaultPKISecretStatusSchema, {
  description: 'VaultPKISecret: a Vault PKI certificate, rotated before it expires.',
});
export type VaultPKISecret = Static<typeof VaultPKISecretSchema>;

export const vaultPKISecretCrd = vaultCrd('VaultPKISecret', VaultPKISecretSchema, {
  shortNames: ['vpki'],
  printerColumns: [
    // kubectl prints a `date` column as an age, which reads `<invalid>` for a time still to
    // come: future instants are shown as their RFC 3339 text.
    { name: 'Expires', type: 'string', jsonPath: '.status.certificateExpiry' },
    { name: 'Serial', type: 'string', jsonPath: '.status.serialNumber', priority: 1 },
    { name: 'Next Rotation', type: 'string', jsonPath: '.status.nextRotation', priority: 1 },
  ],
});
