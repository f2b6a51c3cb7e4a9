// Fake generator (ESO generators.external-secrets.io/v1alpha1 Fake): fixed data, for tests.

import {
  type CrdSource,
  GENERATOR_CATEGORIES,
  GENERATORS_GROUP,
  GENERATORS_VERSION,
  KubeObject,
  StringMap,
} from '@lockstep/core';
import { type Static, Type } from 'typebox';
import { GeneratorStatusSchema } from './password-generator.ts';

export const FakeGeneratorSpecSchema = Type.Object({
  controller: Type.Optional(Type.String()),
  data: Type.Optional(StringMap({ description: 'Key -> value returned as generated data.' })),
});

export const FakeGeneratorSchema = KubeObject(FakeGeneratorSpecSchema, GeneratorStatusSchema, {
  description: 'Fake generator: returns the data of its spec.',
});
export type FakeGenerator = Static<typeof FakeGeneratorSchema>;

export const fakeGeneratorCrd: CrdSource = {
  group: GENERATORS_GROUP,
  version: GENERATORS_VERSION,
  kind: 'Fake',
  plural: 'fakes',
  singular: 'fake',
  scope: 'Namespaced',
  shortNames: [],
  categories: GENERATOR_CATEGORIES,
  schema: FakeGeneratorSchema,
  printerColumns: [],
};
