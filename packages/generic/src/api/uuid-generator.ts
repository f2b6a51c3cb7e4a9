// UUID generator (ESO generators.external-secrets.io/v1alpha1 UUID): a random UUID under `uuid`.

import { type CrdSource, GENERATOR_CATEGORIES, GENERATORS_GROUP, GENERATORS_VERSION, KubeObject } from '@lockstep/core';
import { type Static, Type } from 'typebox';
import { GeneratorStatusSchema } from './password-generator.ts';

/** ESO's UUIDSpec has no fields. */
export const UuidSpecSchema = Type.Object({});

export const UuidSchema = KubeObject(Type.Optional(UuidSpecSchema), GeneratorStatusSchema, {
  description: 'UUID generator: a random (version 4) UUID per ExternalSecret refresh, under the key `uuid`.',
});
export type Uuid = Static<typeof UuidSchema>;

export const uuidCrd: CrdSource = {
  group: GENERATORS_GROUP,
  version: GENERATORS_VERSION,
  kind: 'UUID',
  plural: 'uuids',
  singular: 'uuid',
  scope: 'Namespaced',
  shortNames: [],
  categories: GENERATOR_CATEGORIES,
  schema: UuidSchema,
  printerColumns: [],
};
