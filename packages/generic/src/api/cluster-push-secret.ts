// ClusterPushSecret (ESO v1alpha1, served as external.lockstep.dev/v1 beside PushSecret): one
// PushSecret stamped into every selected namespace. Each PushSecret reads the Secrets of its
// own namespace only, so a ClusterPushSecret never moves a Secret across namespaces.

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
import { PushSecretSpecSchema } from './push-secret.ts';

const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

export const ClusterPushSecretSpecSchema = Type.Object({
  pushSecretSpec: PushSecretSpecSchema,
  pushSecretName: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 253,
      pattern: DNS_SUBDOMAIN,
      description: 'Name of the PushSecrets; defaults to this resource name.',
    }),
  ),
  pushSecretMetadata: Type.Optional(
    Type.Object({ annotations: Type.Optional(StringMap()), labels: Type.Optional(StringMap()) }),
  ),
  namespaceSelectors: Type.Optional(
    Type.Array(LabelSelectorSchema, { description: 'A namespace matching any selector gets one.' }),
  ),
  refreshTime: GoDuration({ default: '1m', description: 'How often namespaces are re-selected.' }),
});

export const ClusterPushSecretStatusSchema = Type.Object({
  pushSecretName: Type.Optional(Type.String()),
  provisionedNamespaces: Type.Optional(Type.Array(Type.String())),
  failedNamespaces: Type.Optional(
    Type.Array(Type.Object({ namespace: Type.String(), reason: Type.Optional(Type.String()) })),
  ),
  conditions: Type.Optional(ConditionsSchema),
});

export const ClusterPushSecretSchema = KubeObject(ClusterPushSecretSpecSchema, ClusterPushSecretStatusSchema, {
  description: 'ClusterPushSecret: a PushSecret provisioned into selected namespaces.',
});
export type ClusterPushSecret = Static<typeof ClusterPushSecretSchema>;

export const clusterPushSecretCrd: CrdSource = {
  group: EXTERNAL_GROUP,
  version: EXTERNAL_VERSION,
  kind: 'ClusterPushSecret',
  plural: 'clusterpushsecrets',
  singular: 'clusterpushsecret',
  scope: 'Cluster',
  shortNames: ['cps'],
  categories: EXTERNAL_CATEGORIES,
  schema: ClusterPushSecretSchema,
  printerColumns: [{ name: 'Refresh Interval', type: 'string', jsonPath: '.spec.refreshTime' }],
};
