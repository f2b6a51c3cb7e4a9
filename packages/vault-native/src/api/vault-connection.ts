// VaultConnection (VSO secrets.hashicorp.com/v1beta1): how to reach one Vault server.

import { ConditionsSchema, KubeObject, StringMap, VsoDuration } from '@lockstep/core';
import { type Static, Type } from 'typebox';
import { vaultCrd } from './vault-crd.ts';

export const VaultConnectionSpecSchema = Type.Object({
  address: Type.String({ pattern: '^https?://', description: 'Vault address, e.g. http://127.0.0.1:8200.' }),
  headers: Type.Optional(StringMap()),
  tlsServerName: Type.Optional(Type.String()),
  caCertSecretRef: Type.Optional(Type.String({ description: 'Secret (same namespace) with the CA under `ca.crt`.' })),
  skipTLSVerify: Type.Boolean({ default: false }),
  timeout: Type.Optional(VsoDuration({ description: 'Per-request timeout, e.g. 30s.' })),
  allowedNamespaces: Type.Optional(
    Type.Array(Type.String({ minLength: 1 }), {
      description:
        'Lockstep extension: namespaces whose VaultAuths may use this VaultConnection besides its own (names, `*`, or globs such as `team-*`). The `default` VaultConnection of the controller namespace serves every namespace.',
    }),
  ),
});

export const VaultConnectionStatusSchema = Type.Object({
  valid: Type.Optional(Type.Boolean()),
  conditions: Type.Optional(ConditionsSchema),
});

export const VaultConnectionSchema = KubeObject(VaultConnectionSpecSchema, VaultConnectionStatusSchema, {
  description: 'VaultConnection: address and TLS settings of a Vault server.',
});
export type VaultConnection = Static<typeof VaultConnectionSchema>;

export const vaultConnectionCrd = vaultCrd('VaultConnection', VaultConnectionSchema, {
  shortNames: ['vconn'],
  printerColumns: [{ name: 'Address', type: 'string', jsonPath: '.spec.address' }],
});
