// ClusterExternalSecret (ESO v1): one ExternalSecret stamped into every selected namespace.

import {
  ConditionsSchema,
  type CrdSource,
  EXTERNAL_CATEGORIES,
  EXTERNAL_GROUP,
  EXTERNAL_VERSION,
  GoDuration,
  KubeObject,
  LabelSelectorSchema,
  StringMap,
} from '@lockstep/core';
import { type Static, Type } from 'typebox';
import { ExternalSecretSpecSchema } from './external-secret.ts';

export const ClusterExternalSecretSpecSchema = Type.Object({
  externalSecretSpec: ExternalSecretSpecSchema,
  externalSecretName: Type.Optional(
    Type.String({ maxLength: 253, description: 'Name of the ExternalSecrets; defaults to this resource name.' }),
  ),
  externalSecretMetadata: Type.Optional(
    Type.Object({ annotations: Type.Optional(StringMap()), labels: Type.Optional(StringMap()) }),
  ),
  namespaceSelectors: Type.Optional(
    Type.Array(LabelSelectorSchema, { description: 'A namespace matching any selector gets one.' }),
  ),
  namespaceSelector: Type.Optional(LabelSelectorSchema),
  namespaces: Type.Optional(Type.Array(Type.String(), { description: 'Explicit namespace names.' })),
  refreshTime: GoDuration({ default: '1m', description: 'How often namespaces are re-selected.' }),
});

export const ClusterExternalSecretStatusSchema = Type.Object({
  externalSecretName: Type.Optional(Type.String()),
  provisionedNamespaces: Type.Optional(Type.Array(Type.String())),
  failedNamespaces: Type.Optional(
    Type.Array(Type.Object({ namespace: Type.String(), reason: Type.Optional(Type.String()) })),
  ),
  conditions: Type.Optional(ConditionsSchema),
});

export const ClusterExternalSecretSchema = KubeObject(
  ClusterExternalSecretSpecSchema,
  ClusterExternalSecretStatusSchema,
  { description: 'ClusterExternalSecret: an ExternalSecret provisioned into selected namespaces.' },
);
export type ClusterExternalSecret = Static<typeof ClusterExternalSecretSchema>;

export const clusterExternalSecretCrd: CrdSource = {
  group: EXTERNAL_GROUP,
  version: EXTERNAL_VERSION,
  kind: 'ClusterExternalSecret',
  plural: 'clusterexternalsecrets',
  singular: 'clusterexternalsecret',
  scope: 'Cluster',
  shortNames: ['ces'],
  categories: EXTERNAL_CATEGORIES,
  schema: ClusterExternalSecretSchema,
  printerColumns: [
    { name: 'Store', type: 'string', jsonPath: '.spec.externalSecretSpec.secretStoreRef.name' },
    { name: 'Refresh Interval', type: 'string', jsonPath: '.spec.refreshTime' },
  ],
};
