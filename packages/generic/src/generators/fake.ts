// ESO's Fake generator: returns the data written in its spec (for tests and demos).
import type { Generator, SecretMap } from '@lockstep/core';
import type { FakeGenerator } from '../api/fake-generator.ts';

export const fakeGenerator: Generator<FakeGenerator['spec']> = {
  kind: 'Fake',
  validateSpec: () => [],
  async generate(spec) {
    const data: SecretMap = {};
    for (const [key, value] of Object.entries(spec.data ?? {})) data[key] = Buffer.from(value);
    return { data };
  },
};
