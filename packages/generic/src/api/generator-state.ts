// GeneratorState (ESO generators.external-secrets.io/v1alpha1 GeneratorState): the record of one
// generation for one generator source of an ExternalSecret, owned by it. Lockstep records what
// was delivered (keys, the keyed MAC of the target Secret, the spec version), never the values:
// those live only in the Secret. See docs/generic-pipeline.md#generatorstate.

import {
  ConditionsSchema,
  type CrdSource,
  FreeForm,
  GENERATOR_CATEGORIES,
  GENERATORS_GROUP,
  GENERATORS_VERSION,
  KubeObject,
  Timestamp,
} from '@lockstep/core';
import { type Static, Type } from 'typebox';

/** ESO's label: all states of one source of one resource share it (a hash of kind, namespace, name, source). */
export const GENERATOR_STATE_OWNER_LABEL = 'generators.lockstep.dev/owner-key';

export const GeneratorStateSpecSchema = Type.Object({
  garbageCollectionDeadline: Type.Optional(
    Timestamp({ description: 'When set, the state is deleted after this time (a superseded generation).' }),
  ),
  resource: FreeForm({ description: 'The generator manifest (apiVersion, kind, name, spec) that produced the state.' }),
  state: FreeForm({ description: 'What was generated: keys, the target Secret MAC, spec version; never values.' }),
});

export const GeneratorStateSchema = KubeObject(
  GeneratorStateSpecSchema,
  Type.Object({ conditions: Type.Optional(ConditionsSchema) }),
  { description: 'GeneratorState: the record of one generation of a generator source, owned by its ExternalSecret.' },
);
export type GeneratorState = Static<typeof GeneratorStateSchema>;

export const generatorStateCrd: CrdSource = {
  group: GENERATORS_GROUP,
  version: GENERATORS_VERSION,
  kind: 'GeneratorState',
  plural: 'generatorstates',
  singular: 'generatorstate',
  scope: 'Namespaced',
  shortNames: ['gs'],
  categories: GENERATOR_CATEGORIES,
  schema: GeneratorStateSchema,
  printerColumns: [{ name: 'GC Deadline', type: 'string', jsonPath: '.spec.garbageCollectionDeadline' }],
};
