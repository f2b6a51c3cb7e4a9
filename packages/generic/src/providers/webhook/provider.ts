// The `webhook` provider (ESO's): a store whose reads are HTTP(S) calls built from templates.
// The client keeps its compiled templates, trusted CA and connections per store configuration;
// the Secrets its `secrets[]` name are read at each call.

import {
  checkCaProvider,
  credentialNamespace,
  type Provider,
  type ProviderContext,
  type ProviderRegistration,
  type StoreRef,
} from '@lockstep/core';
import { WebhookProviderSchema, type WebhookProvider as WebhookProviderSpec } from '../../api/provider-webhook.ts';
import type { CallObserver } from '../call-observer.ts';
import { stableKey } from '../client-key.ts';
import type { GenericProviderDeps } from '../generic-provider-deps.ts';
import { checkNamespace } from '../secret-selector.ts';
import { WebhookClient } from './client.ts';
import { validateWebhookSpec } from './validate-webhook-spec.ts';
import { WebhookCaller } from './webhook-caller.ts';
import { CA_KEY, secretReader, trustedCa } from './webhook-context.ts';

const PATH = 'spec.provider.webhook';

export interface WebhookProviderDeps {
  onCall?: CallObserver;
  now?: () => number;
}

export function validateWebhookStoreSpec(spec: WebhookProviderSpec, store: StoreRef): string[] {
  const problems = validateWebhookSpec(spec, PATH, (field, namespace) => checkNamespace(field, namespace, store));
  if (spec.caProvider) problems.push(...checkCaProvider(`${PATH}.caProvider`, spec.caProvider, store, CA_KEY));
  return problems;
}

/** The Secrets the templates read (and the CA) come from the store's or the ExternalSecret's namespace. */
export function webhookClientKey(spec: WebhookProviderSpec, ctx: ProviderContext): string {
  const refs = [...(spec.secrets ?? []).map((entry) => entry.secretRef), spec.caProvider];
  const namespace = credentialNamespace(ctx, refs);
  return stableKey({ provider: 'webhook', kind: ctx.store.kind, ...(namespace ? { namespace } : {}), spec });
}

export function createWebhookProvider(deps: WebhookProviderDeps = {}): Provider<WebhookProviderSpec> {
  return {
    name: 'webhook',
    capabilities: 'ReadOnly',
    validateSpec: validateWebhookStoreSpec,
    clientKey: webhookClientKey,
    async newClient(spec, ctx) {
      const ca = await trustedCa(spec, PATH, ctx);
      const caller = new WebhookCaller(spec, {
        ca,
        now: deps.now ?? Date.now,
        readSecret: secretReader(ctx),
        ...(deps.onCall ? { onCall: deps.onCall } : {}),
      });
      return new WebhookClient(caller, ca);
    },
    insecureTransport(spec) {
      if (!/^http:\/\//i.test(spec.url.trim())) return undefined;
      return `${PATH}.url "${spec.url}" is plain http: the answers (secret values) and any credentials in headers travel in cleartext; use https://`;
    },
  };
}

/** Its client reports each HTTP call (`HTTPRequest`, as ESO counts them). */
export const webhookRegistration: ProviderRegistration<GenericProviderDeps> = {
  name: 'webhook',
  schema: WebhookProviderSchema,
  metrics: 'client',
  create: (deps, { onCall }) => createWebhookProvider({ onCall, ...(deps.now ? { now: deps.now } : {}) }),
};
