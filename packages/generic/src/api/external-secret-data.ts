// ExternalSecret `spec.data[]` and `spec.dataFrom[]` (ESO v1 field names and defaults).

import { GENERATORS_GROUP, GENERATORS_VERSION, StringEnum, StringMap } from '@lockstep/core';
import { type Static, Type } from 'typebox';

const ConversionStrategy = () => StringEnum(['Default', 'Unicode'] as const, { default: 'Default' });
const DecodingStrategy = () => StringEnum(['Auto', 'Base64', 'Base64URL', 'None'] as const, { default: 'None' });

export const RemoteRefSchema = Type.Object({
  key: Type.String({ minLength: 1, description: 'Key (path, name) of the secret in the provider.' }),
  property: Type.Optional(Type.String({ description: 'Property of a JSON secret.' })),
  version: Type.Optional(Type.String()),
  metadataPolicy: StringEnum(['None', 'Fetch'] as const, { default: 'None' }),
  conversionStrategy: ConversionStrategy(),
  decodingStrategy: DecodingStrategy(),
});

export const StoreRefSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 253 }),
  kind: StringEnum(['SecretStore', 'ClusterSecretStore'] as const, { default: 'SecretStore' }),
});
export type SecretStoreRef = Static<typeof StoreRefSchema>;

export const GENERATOR_KINDS = [
  'Password',
  'Fake',
  'VaultDynamicSecret',
  'Webhook',
  'UUID',
  'SSHKey',
  'STSSessionToken',
  'ECRAuthorizationToken',
  'ClusterGenerator',
] as const;
/** ESO's generator group is accepted as an alias so migrated manifests keep their generatorRef. */
export const GENERATOR_API_VERSIONS = [
  `${GENERATORS_GROUP}/${GENERATORS_VERSION}`,
  'generators.external-secrets.io/v1alpha1',
] as const;

export const GeneratorRefSchema = Type.Object({
  apiVersion: StringEnum(GENERATOR_API_VERSIONS, { default: GENERATOR_API_VERSIONS[0] }),
  kind: StringEnum(GENERATOR_KINDS),
  name: Type.String({ minLength: 1, maxLength: 253 }),
});

const SourceRefSchema = Type.Object(
  { storeRef: Type.Optional(StoreRefSchema), generatorRef: Type.Optional(GeneratorRefSchema) },
  { maxProperties: 1, minProperties: 1, description: 'Either another store or a generator, not both.' },
);

export const DataSchema = Type.Object({
  secretKey: Type.String({ pattern: '^[-._a-zA-Z0-9]+$', maxLength: 253, description: 'Key in the target Secret.' }),
  remoteRef: RemoteRefSchema,
  sourceRef: Type.Optional(SourceRefSchema),
});

export const FindSchema = Type.Object({
  path: Type.Optional(Type.String({ description: 'Only secrets under this path.' })),
  name: Type.Optional(Type.Object({ regexp: Type.String({ minLength: 1 }) })),
  tags: Type.Optional(StringMap()),
  conversionStrategy: ConversionStrategy(),
  decodingStrategy: DecodingStrategy(),
});

export const RewriteSchema = Type.Object(
  {
    regexp: Type.Optional(Type.Object({ source: Type.String(), target: Type.String() })),
    transform: Type.Optional(Type.Object({ template: Type.String() })),
  },
  { minProperties: 1, maxProperties: 1 },
);

export const DataFromSchema = Type.Object(
  {
    extract: Type.Optional(RemoteRefSchema),
    find: Type.Optional(FindSchema),
    rewrite: Type.Optional(Type.Array(RewriteSchema)),
    sourceRef: Type.Optional(SourceRefSchema),
  },
  {
    description: 'One of extract, find or sourceRef.generatorRef (extract/find may name another store in sourceRef).',
    anyOf: [{ required: ['extract'] }, { required: ['find'] }, { required: ['sourceRef'] }],
    not: { required: ['extract', 'find'] },
  },
);
export type DataFrom = Static<typeof DataFromSchema>;
