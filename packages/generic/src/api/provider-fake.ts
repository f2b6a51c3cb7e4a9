// `spec.provider.fake` of a SecretStore (ESO FakeProvider): static data for tests and demos.

import { type Static, Type } from 'typebox';

export const FakeProviderSchema = Type.Object({
  data: Type.Array(
    Type.Object({
      key: Type.String({ minLength: 1 }),
      value: Type.Optional(Type.String()),
      version: Type.Optional(Type.String()),
    }),
  ),
});
export type FakeProvider = Static<typeof FakeProviderSchema>;
