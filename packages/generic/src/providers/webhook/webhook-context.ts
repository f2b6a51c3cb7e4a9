// What the `webhook` store and the Webhook generator take from Kubernetes, the same way: the
// CA to trust and the Secrets the templates read, each from the namespace its owner may read.

import { type ProviderContext, readCaProvider } from '@lockstep/core';
import type { WebhookSpec } from '../../api/provider-webhook.ts';
import { selectorNamespace } from '../secret-selector.ts';
import type { WebhookCallerOptions } from './webhook-caller.ts';

/** The caProvider key read when the reference names none (as the kubernetes provider). */
export const CA_KEY = { defaultKey: 'ca.crt' };

type Scope = Pick<ProviderContext, 'store' | 'namespace' | 'kube'>;

/** The CA trusted for https: caBundle, else caProvider (`path` names it in messages), else the system roots. */
export async function trustedCa(spec: WebhookSpec, path: string, scope: Scope): Promise<string | undefined> {
  if (spec.caBundle) return Buffer.from(spec.caBundle, 'base64').toString('utf8');
  if (spec.caProvider) return readCaProvider(`${path}.caProvider`, spec.caProvider, scope, 'webhook', CA_KEY);
  return undefined;
}

/** Reads a `secrets[]` Secret with its labels, from the namespace the scope allows. */
export function secretReader(scope: Scope): WebhookCallerOptions['readSecret'] {
  return async (ref) => {
    const namespace = selectorNamespace(ref, scope);
    return { namespace, ...(await scope.kube.readSecretWithLabels(namespace, ref.name)) };
  };
}
