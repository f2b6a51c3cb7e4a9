// VaultAuth (VSO v1beta1): how to log in to Vault. The method's block must be present;
// that rule is an `anyOf` over (method, block) pairs so the API server enforces it
// without CEL. The service account is always taken from the namespace of the resource
// being synced (TokenRequest), never from the VaultAuth's.

import { ConditionsSchema, KubeObject, StringEnum, StringMap } from '@lockstep/core';
import { type Static, Type } from 'typebox';
import { vaultCrd } from './vault-crd.ts';

export const VAULT_AUTH_METHODS = ['kubernetes', 'jwt', 'appRole', 'token'] as const;

const tokenExpirationSeconds = () => Type.Integer({ default: 600, minimum: 600, format: 'int64' });

export const VaultAuthSpecSchema = Type.Object(
  {
    vaultConnectionRef: Type.Optional(
      Type.String({ description: 'VaultConnection name (same namespace); defaults to `default`.' }),
    ),
    namespace: Type.Optional(Type.String({ description: 'Vault namespace.' })),
    allowedNamespaces: Type.Optional(
      Type.Array(Type.String(), {
        description:
          'Namespaces whose resources may use this VaultAuth: names, `*` for all, or globs such as `team-*`.',
      }),
    ),
    method: StringEnum(VAULT_AUTH_METHODS, { description: '`token` is for development only.' }),
    mount: Type.Optional(
      Type.String({ description: 'Auth mount; defaults to the method name (`approle` for appRole).' }),
    ),
    params: Type.Optional(StringMap({ description: 'Extra login parameters.' })),
    headers: Type.Optional(StringMap()),
    kubernetes: Type.Optional(
      Type.Object({
        role: Type.String({ minLength: 1 }),
        serviceAccount: Type.String({ default: 'default' }),
        audiences: Type.Optional(Type.Array(Type.String())),
        tokenExpirationSeconds: tokenExpirationSeconds(),
      }),
    ),
    jwt: Type.Optional(
      Type.Object({
        role: Type.String({ minLength: 1 }),
        secretRef: Type.Optional(Type.String({ description: 'Secret with the JWT under key `jwt`.' })),
        serviceAccount: Type.Optional(Type.String({ description: 'Service account whose token is the JWT.' })),
        audiences: Type.Optional(Type.Array(Type.String())),
        tokenExpirationSeconds: tokenExpirationSeconds(),
      }),
    ),
    appRole: Type.Optional(
      Type.Object({
        roleId: Type.String({ minLength: 1 }),
        secretRef: Type.String({ minLength: 1, description: 'Secret with the SecretID under key `id`.' }),
      }),
    ),
    token: Type.Optional(
      Type.Object(
        { secretRef: Type.String({ minLength: 1, description: 'Secret with the token under key `token`.' }) },
        { description: 'Lockstep extension for development: a static Vault token.' },
      ),
    ),
    storageEncryption: Type.Optional(Type.Object({ mount: Type.String(), keyName: Type.String() })),
  },
  { anyOf: VAULT_AUTH_METHODS.map((m) => ({ properties: { method: { enum: [m] } }, required: [m] })) },
);
export type VaultAuthSpec = Static<typeof VaultAuthSpecSchema>;

export const VaultAuthStatusSchema = Type.Object({
  valid: Type.Optional(Type.Boolean()),
  error: Type.Optional(Type.String()),
  specHash: Type.Optional(Type.String()),
  conditions: Type.Optional(ConditionsSchema),
});

export const VaultAuthSchema = KubeObject(VaultAuthSpecSchema, VaultAuthStatusSchema, {
  description: 'VaultAuth: how to authenticate to Vault (method, mount, role).',
});
export type VaultAuth = Static<typeof VaultAuthSchema>;

export const vaultAuthCrd = vaultCrd('VaultAuth', VaultAuthSchema, {
  shortNames: ['va'],
  printerColumns: [{ name: 'Method', type: 'string', jsonPath: '.spec.method' }],
});
