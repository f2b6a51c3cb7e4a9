// PushSecret (ESO v1alpha1 semantics, served as external.lockstep.dev/v1): pushes a
// Kubernetes Secret's keys to one or more stores.

import {
  ConditionsSchema,
  type CrdSource,
  EXTERNAL_CATEGORIES,
  EXTERNAL_GROUP,
  EXTERNAL_VERSION,
  ExactlyOneOf,
  FreeForm,
  GoDuration,
  KubeObject,
  LabelSelectorSchema,
  MapOf,
  StringEnum,
  Timestamp,
} from '@lockstep/core';
import { type Static, Type } from 'typebox';
import { GeneratorRefSchema } from './external-secret-data.ts';
import { TemplateSchema } from './external-secret-target.ts';

const PushStoreRefSchema = Type.Object({
  name: Type.Optional(Type.String({ description: 'Store name; or use labelSelector.' })),
  kind: StringEnum(['SecretStore', 'ClusterSecretStore'] as const, { default: 'SecretStore' }),
  labelSelector: Type.Optional(LabelSelectorSchema),
});

const PushSecretDataSchema = Type.Object({
  match: Type.Object({
    secretKey: Type.Optional(Type.String({ description: 'Key of the source Secret; empty pushes the whole Secret.' })),
    remoteRef: Type.Object({
      remoteKey: Type.String({ minLength: 1 }),
      property: Type.Optional(Type.String()),
    }),
  }),
  metadata: Type.Optional(FreeForm({ description: 'Provider-specific metadata (free-form as in ESO).' })),
  conversionStrategy: StringEnum(['None', 'ReverseUnicode'] as const, { default: 'None' }),
});

export const PushSecretSpecSchema = Type.Object({
  refreshInterval: GoDuration({ default: '1h' }),
  secretStoreRefs: Type.Array(PushStoreRefSchema, { minItems: 1 }),
  updatePolicy: StringEnum(['Replace', 'IfNotExists'] as const, { default: 'Replace' }),
  deletionPolicy: StringEnum(['Delete', 'None'] as const, { default: 'None' }),
  selector: ExactlyOneOf({
    secret: Type.Object({
      name: Type.Optional(Type.String()),
      selector: Type.Optional(LabelSelectorSchema),
    }),
    generatorRef: GeneratorRefSchema,
  }),
  data: Type.Optional(Type.Array(PushSecretDataSchema)),
  template: Type.Optional(TemplateSchema),
});

export const PushSecretStatusSchema = Type.Object({
  refreshTime: Type.Optional(Timestamp()),
  syncedResourceVersion: Type.Optional(Type.String()),
  syncedPushSecrets: Type.Optional(
    MapOf(MapOf(FreeForm()), { description: 'Store name -> remote key -> what was pushed (no values).' }),
  ),
  conditions: Type.Optional(ConditionsSchema),
});

export const PushSecretSchema = KubeObject(PushSecretSpecSchema, PushSecretStatusSchema, {
  description: 'PushSecret: pushes keys of a Kubernetes Secret to external stores.',
});
export type PushSecret = Static<typeof PushSecretSchema>;

export const pushSecretCrd: CrdSource = {
  group: EXTERNAL_GROUP,
  version: EXTERNAL_VERSION,
  kind: 'PushSecret',
  plural: 'pushsecrets',
  singular: 'pushsecret',
  scope: 'Namespaced',
  shortNames: ['ps'],
  categories: EXTERNAL_CATEGORIES,
  schema: PushSecretSchema,
  printerColumns: [],
};
