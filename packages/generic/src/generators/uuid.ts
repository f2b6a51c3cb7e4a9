// ESO's UUID generator: a random (version 4) UUID under `uuid`, from node:crypto's CSPRNG.

import { randomUUID } from 'node:crypto';
import type { Generator } from '@lockstep/core';
import type { Uuid } from '../api/uuid-generator.ts';

export const uuidGenerator: Generator<Uuid['spec']> = {
  kind: 'UUID',
  validateSpec: () => [],
  async generate() {
    return { data: { uuid: Buffer.from(randomUUID()) } };
  },
};
