// Password generator (ESO generators.external-secrets.io/v1alpha1 Password).

import {
  ConditionsSchema,
  type CrdSource,
  GENERATOR_CATEGORIES,
  GENERATORS_GROUP,
  GENERATORS_VERSION,
  KubeObject,
  StringEnum,
} from '@lockstep/core';
import { type Static, Type } from 'typebox';

export const PasswordSpecSchema = Type.Object({
  length: Type.Integer({ default: 24, minimum: 1, maximum: 1024 }),
  digits: Type.Optional(Type.Integer({ minimum: 0, description: 'Number of digits; default 25% of length.' })),
  symbols: Type.Optional(Type.Integer({ minimum: 0, description: 'Number of symbols; default 25% of length.' })),
  symbolCharacters: Type.Optional(
    Type.String({ minLength: 1, description: 'Default: ~!@#$%^&*()_+`-={}|[]\\:"<>?,./' }),
  ),
  noUpper: Type.Boolean({ default: false }),
  allowRepeat: Type.Boolean({ default: false }),
  encoding: StringEnum(['base64', 'base64url', 'base32', 'hex', 'raw'] as const, { default: 'raw' }),
  secretKeys: Type.Optional(
    Type.Array(Type.String(), { description: 'Keys to generate; default a single `password`.' }),
  ),
});

export const GeneratorStatusSchema = Type.Object({ conditions: Type.Optional(ConditionsSchema) });

export const PasswordSchema = KubeObject(PasswordSpecSchema, GeneratorStatusSchema, {
  description: 'Password generator: a random password per ExternalSecret refresh.',
});
export type Password = Static<typeof PasswordSchema>;

export const passwordCrd: CrdSource = {
  group: GENERATORS_GROUP,
  version: GENERATORS_VERSION,
  kind: 'Password',
  plural: 'passwords',
  singular: 'password',
  scope: 'Namespaced',
  shortNames: [],
  categories: GENERATOR_CATEGORIES,
  schema: PasswordSchema,
  printerColumns: [],
};
