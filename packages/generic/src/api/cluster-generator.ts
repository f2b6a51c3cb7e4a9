// ClusterGenerator (ESO generators.external-secrets.io/v1alpha1 ClusterGenerator): a cluster-scoped
// generator, `spec.kind` plus the matching `spec.generator.<kind>Spec`, usable from any namespace.
// Lockstep extension: `spec.conditions` (a ClusterSecretStore's shape) limits which namespaces may
// use it, and is required before its credential references may name a namespace.

import {
  ConditionsSchema,
  type CrdSource,
  GENERATOR_CATEGORIES,
  GENERATORS_GROUP,
  GENERATORS_VERSION,
  KubeObject,
  StringEnum,
} from '@lockstep/core';
import { type Static, type TSchema, Type } from 'typebox';
import { EcrAuthorizationTokenSpecSchema } from './ecr-authorization-token-generator.ts';
import { FakeGeneratorSpecSchema } from './fake-generator.ts';
import { PasswordSpecSchema } from './password-generator.ts';
import { ClusterStoreConditionSchema } from './secret-store.ts';
import { SshKeySpecSchema } from './sshkey-generator.ts';
import { StsSessionTokenSpecSchema } from './sts-session-token-generator.ts';
import { UuidSpecSchema } from './uuid-generator.ts';

/** The kinds a ClusterGenerator may wrap, and their ESO field under `spec.generator`. */
export const CLUSTER_GENERATOR_SPECS = {
  Password: { field: 'passwordSpec', schema: PasswordSpecSchema },
  Fake: { field: 'fakeSpec', schema: FakeGeneratorSpecSchema },
  UUID: { field: 'uuidSpec', schema: UuidSpecSchema },
  SSHKey: { field: 'sshKeySpec', schema: SshKeySpecSchema },
  STSSessionToken: { field: 'stsSessionTokenSpec', schema: StsSessionTokenSpecSchema },
  ECRAuthorizationToken: { field: 'ecrAuthorizationTokenSpec', schema: EcrAuthorizationTokenSpecSchema },
} as const satisfies Record<string, { field: string; schema: TSchema }>;
export type ClusterGeneratorKind = keyof typeof CLUSTER_GENERATOR_SPECS;

const kinds = Object.keys(CLUSTER_GENERATOR_SPECS) as ClusterGeneratorKind[];

export const ClusterGeneratorSpecSchema = Type.Object({
  kind: StringEnum(kinds, { description: 'The kind of generator; spec.generator sets its spec.' }),
  generator: Type.Object(
    Object.fromEntries(
      Object.values(CLUSTER_GENERATOR_SPECS).map(({ field, schema }) => [field, Type.Optional(schema)]),
    ) as Record<string, TSchema>,
    { minProperties: 1, maxProperties: 1, description: 'Exactly one spec, the one of spec.kind.' },
  ),
  conditions: Type.Optional(
    Type.Array(ClusterStoreConditionSchema, {
      description:
        'Lockstep extension: the namespaces allowed to use this generator (any entry matching); none: every namespace. Required when a credential reference names a namespace.',
    }),
  ),
});

export const ClusterGeneratorSchema = KubeObject(
  ClusterGeneratorSpecSchema,
  Type.Object({ conditions: Type.Optional(ConditionsSchema) }),
  { description: 'ClusterGenerator: a generator usable from every namespace its conditions allow.' },
);
export type ClusterGenerator = Static<typeof ClusterGeneratorSchema>;

export const clusterGeneratorCrd: CrdSource = {
  group: GENERATORS_GROUP,
  version: GENERATORS_VERSION,
  kind: 'ClusterGenerator',
  plural: 'clustergenerators',
  singular: 'clustergenerator',
  scope: 'Cluster',
  shortNames: [],
  categories: GENERATOR_CATEGORIES,
  schema: ClusterGeneratorSchema,
  printerColumns: [{ name: 'Kind', type: 'string', jsonPath: '.spec.kind' }],
};
