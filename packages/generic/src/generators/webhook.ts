// ESO's Webhook generator: one call of a webhook, whose answer (or the object result.jsonPath
// selects) must be a JSON object; its keys become the generated keys. A call at every sync, as
// ESO; the templates see the named secrets but no `.remoteRef`. Secrets and the CA come from
// the generator's own namespace only.

import { checkCaProvider, type Generator, type StoreRef } from '@lockstep/core';
import type { WebhookGenerator } from '../api/webhook-generator.ts';
import { validateWebhookSpec } from '../providers/webhook/validate-webhook-spec.ts';
import { WebhookCaller } from '../providers/webhook/webhook-caller.ts';
import { CA_KEY, secretReader, trustedCa } from '../providers/webhook/webhook-context.ts';
import { resultMap } from '../providers/webhook/webhook-result.ts';

type Spec = WebhookGenerator['spec'];

export interface WebhookGeneratorDeps {
  now?: () => number;
}

export function validateWebhookGeneratorSpec(spec: Spec): string[] {
  const ownNamespace = (field: string, namespace: string | undefined) =>
    namespace ? [`${field}.namespace must be empty: a Webhook generator reads its own namespace only`] : [];
  const problems = validateWebhookSpec(spec, 'spec', ownNamespace);
  if (spec.caProvider) {
    // Checked as a cluster-wide reference would be; ownNamespace refuses any namespace itself.
    const scope: StoreRef = { kind: 'ClusterSecretStore', name: 'generator' };
    problems.push(...checkCaProvider('spec.caProvider', spec.caProvider, scope, CA_KEY));
    problems.push(...ownNamespace('spec.caProvider', spec.caProvider.namespace));
  }
  return problems;
}

export function createWebhookGenerator(deps: WebhookGeneratorDeps = {}): Generator<Spec> {
  return {
    kind: 'Webhook',
    validateSpec: validateWebhookGeneratorSpec,
    async generate(spec, ctx) {
      // Read as a namespaced store would: its own namespace only (validation refused any other).
      const scope = { store: { kind: 'SecretStore' as const, name: 'generator', namespace: ctx.namespace }, ...ctx };
      const caller = new WebhookCaller(spec, {
        ca: await trustedCa(spec, 'spec', scope),
        now: deps.now ?? Date.now,
        readSecret: secretReader(scope),
      });
      try {
        const { body, jsonPath } = await caller.call(undefined);
        return { data: resultMap(body, jsonPath, `${caller.what}'s answer`) };
      } finally {
        caller.close();
      }
    },
  };
}
