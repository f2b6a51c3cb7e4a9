// ExternalSecret `spec.target` and its `template` (ESO v1). The template shape is shared
// with PushSecret.

import { StringEnum, StringMap } from '@lockstep/core';
import { type Static, Type } from 'typebox';

const TemplateRefItemSchema = Type.Object({
  key: Type.String({ minLength: 1 }),
  templateAs: StringEnum(['Values', 'KeysAndValues'] as const, { default: 'Values' }),
});

const TemplateRefSchema = Type.Object({
  name: Type.String({ minLength: 1 }),
  items: Type.Array(TemplateRefItemSchema),
});

export const TemplateFromSchema = Type.Object({
  configMap: Type.Optional(TemplateRefSchema),
  secret: Type.Optional(TemplateRefSchema),
  target: StringEnum(['Data', 'Annotations', 'Labels'] as const, { default: 'Data' }),
  literal: Type.Optional(Type.String()),
});

export const TemplateSchema = Type.Object({
  type: Type.Optional(Type.String({ description: 'Type of the target Secret, e.g. kubernetes.io/tls.' })),
  engineVersion: StringEnum(['v2'] as const, {
    default: 'v2',
    description: 'Only ESO template engine v2 (Go text/template + Sprig) exists.',
  }),
  mergePolicy: StringEnum(['Replace', 'Merge'] as const, { default: 'Replace' }),
  metadata: Type.Optional(
    Type.Object({
      annotations: Type.Optional(StringMap()),
      labels: Type.Optional(StringMap()),
      finalizers: Type.Optional(Type.Array(Type.String())),
    }),
  ),
  data: Type.Optional(StringMap({ description: 'Secret key -> template.' })),
  templateFrom: Type.Optional(Type.Array(TemplateFromSchema)),
});
export type SecretTemplate = Static<typeof TemplateSchema>;

export const CreationPolicies = ['Owner', 'Orphan', 'Merge', 'None'] as const;
export const DeletionPolicies = ['Delete', 'Merge', 'Retain'] as const;

export const TargetSchema = Type.Object(
  {
    name: Type.Optional(
      Type.String({ maxLength: 253, description: 'Name of the Secret; defaults to the ExternalSecret name.' }),
    ),
    creationPolicy: StringEnum(CreationPolicies, { default: 'Owner' }),
    deletionPolicy: StringEnum(DeletionPolicies, { default: 'Retain' }),
    template: Type.Optional(TemplateSchema),
    immutable: Type.Optional(Type.Boolean()),
  },
  { default: { creationPolicy: 'Owner', deletionPolicy: 'Retain' } },
);
export type SecretTarget = Static<typeof TargetSchema>;
