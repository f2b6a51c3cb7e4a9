// VSO's `destination`: the Kubernetes Secret a Vault-native kind writes. Core owns it
// because the Secret writer and the template engine consume it for every kind.

import { type Static, Type } from 'typebox';
import { type CheckedRule, celRules } from './cel-rules.ts';
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
  // Bounded: each pattern is compiled per reconcile, and thousands would hold the event loop.
  includes: Type.Optional(
    Type.Array(Type.String({ maxLength: 1024 }), {
      maxItems: 64,
      description: 'Regexes of source keys to keep (applied last); at most 64.',
    }),
  ),
  excludes: Type.Optional(
    Type.Array(Type.String({ maxLength: 1024 }), {
      maxItems: 64,
      description: 'Regexes of source keys to drop (applied first); at most 64.',
    }),
  ),
  excludeRaw: Type.Optional(Type.Boolean({ description: 'Drop the `_raw` key.' })),
  resync: Type.Optional(Type.Boolean({ default: true, description: 'Resync when a transformationRef changes.' })),
});
export type Transformation = Static<typeof TransformationSchema>;

interface DestinationFlags {
  create?: boolean;
  overwrite?: boolean;
  labels?: unknown;
  annotations?: unknown;
  type?: unknown;
}

/**
 * With `create: false` the Secret is somebody else's: Lockstep writes only the keys it renders
 * (see docs/security.md), so the fields that would claim or restyle the whole Secret are
 * refused instead of being silently ignored as VSO does.
 */
export const DESTINATION_RULES: readonly CheckedRule<DestinationFlags>[] = [
  {
    rule: '(has(self.create) && self.create) || !(has(self.overwrite) && self.overwrite)',
    message:
      'destination.overwrite takes over an existing Secret and applies only with create: true; with create: false Lockstep writes only its own keys into the existing Secret: drop overwrite, or set create: true',
    fieldPath: '.overwrite',
    violated: (d) => !d.create && d.overwrite === true,
  },
  {
    rule: '(has(self.create) && self.create) || (!has(self.labels) && !has(self.annotations) && !has(self.type))',
    message:
      'destination labels, annotations and type apply only to a Secret Lockstep creates (create: true); with create: false the Secret belongs to somebody else and Lockstep writes only its own keys: drop them, or set create: true',
    violated: (d) => !d.create && (d.labels !== undefined || d.annotations !== undefined || d.type !== undefined),
  },
];

export const DestinationSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 253, description: 'Name of the Secret, in the same namespace.' }),
    create: Type.Boolean({
      default: false,
      description:
        'Create the Secret (owned by this resource). With false the Secret must already exist and only the rendered keys are written into it.',
    }),
    overwrite: Type.Boolean({
      default: false,
      description: 'Take over an existing Secret nobody owns when create is true (never one another resource owns).',
    }),
    labels: Type.Optional(StringMap({ description: 'Labels for the Secret (with create).' })),
    annotations: Type.Optional(StringMap({ description: 'Annotations for the Secret (with create).' })),
    type: Type.Optional(Type.String({ description: 'Secret type (with create); defaults to Opaque.' })),
    transformation: Type.Optional(TransformationSchema),
  },
  {
    description: 'The Kubernetes Secret written with the Vault data (VSO semantics).',
    ...celRules(DESTINATION_RULES),
  },
);
export type Destination = Static<typeof DestinationSchema>;
