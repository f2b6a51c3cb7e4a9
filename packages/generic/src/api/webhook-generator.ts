// Webhook generator (ESO generators.external-secrets.io/v1alpha1 Webhook): the keys of a JSON
// object a webhook answers, for ExternalSecret dataFrom. Same fields as the `webhook` store.

import { type CrdSource, GENERATOR_CATEGORIES, GENERATORS_GROUP, GENERATORS_VERSION, KubeObject } from '@lockstep/core';
import { type Static, Type } from 'typebox';
import { GeneratorStatusSchema } from './password-generator.ts';
import { WebhookSpecSchema } from './provider-webhook.ts';

export const WebhookGeneratorSpecSchema = Type.Object({
  controller: Type.Optional(Type.String()),
  ...WebhookSpecSchema.properties,
});

export const WebhookGeneratorSchema = KubeObject(WebhookGeneratorSpecSchema, GeneratorStatusSchema, {
  description: 'Webhook generator: the keys of the JSON object an HTTP(S) call answers.',
});
export type WebhookGenerator = Static<typeof WebhookGeneratorSchema>;

export const webhookGeneratorCrd: CrdSource = {
  group: GENERATORS_GROUP,
  version: GENERATORS_VERSION,
  kind: 'Webhook',
  plural: 'webhooks',
  singular: 'webhook',
  scope: 'Namespaced',
  shortNames: [],
  categories: GENERATOR_CATEGORIES,
  schema: WebhookGeneratorSchema,
  printerColumns: [{ name: 'URL', type: 'string', jsonPath: '.spec.url' }],
};
