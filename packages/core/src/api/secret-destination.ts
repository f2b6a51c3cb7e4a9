// VSO's `destination`: the Kubernetes Secret a Vault-native kind writes. Core owns it
// because the Secret writer and the template engine consume it for every kind.

import { type Static, Type } from 'typebox';
import { MapOf, StringMap } from './schema-helpers.ts';

export const TransformationTemplateSchema = Type.Object({
  name: Type.Optional(Type.String()),
  text: Type.String({ description: 'Go text/template (Sprig functions) over the source secret data.' }),
});

export const TransformationRefSchema = Type.Object({
  name: Type.String({ minLength: 1, description: 'Name of a SecretTransformation.' }),
  namespace: Type.Optional(Type.String()),
  templateRefs: Type.Optional(
    Type.Array(Type.Object({ name: Type.String({ minLength: 1 }), keyOverride: Type.Optional(Type.String()) })),
  ),
  ignoreIncludes: Type.Optional(Type.Boolean()),
  ignoreExcludes: Type.Optional(Type.Boolean()),
});

export const TransformationSchema = Type.Object({
  templates: Type.Optional(MapOf(TransformationTemplateSchema, { description: 'Secret key -> template.' })),
  transformationRefs: Type.Optional(Type.Array(TransformationRefSchema)),
  includes: Type.Optional(Type.Array(Type.String(), { description: 'Regexes of source keys to keep (applied last).' })),
  excludes: Type.Optional(
    Type.Array(Type.String(), { description: 'Regexes of source keys to drop (applied first).' }),
  ),
  excludeRaw: Type.Optional(Type.Boolean({ description: 'Drop the `_raw` key.' })),
  resync: Type.Optional(Type.Boolean({ default: true, description: 'Resync when a transformationRef changes.' })),
});
export type Transformation = Static<typeof TransformationSchema>;

export const DestinationSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 253, description: 'Name of the Secret, in the same namespace.' }),
    create: Type.Boolean({
      default: false,
      description: 'Create the Secret (owned by this resource). With false the Secret must already exist.',
    }),
    overwrite: Type.Boolean({ default: false, description: 'Take over an existing Secret when create is true.' }),
    labels: Type.Optional(StringMap({ description: 'Labels for the Secret (with create).' })),
    annotations: Type.Optional(StringMap({ description: 'Annotations for the Secret (with create).' })),
    type: Type.Optional(Type.String({ description: 'Secret type (with create); defaults to Opaque.' })),
    transformation: Type.Optional(TransformationSchema),
  },
  { description: 'The Kubernetes Secret written with the Vault data (VSO semantics).' },
);
export type Destination = Static<typeof DestinationSchema>;
