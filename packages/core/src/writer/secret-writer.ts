// Carries out a write plan. Conflicts are not retried here: the informer will deliver the
// newer Secret and the work queue re-runs the reconcile with it.

import type { V1Secret } from '@kubernetes/client-node';
import { rememberSensitiveValues } from '../status/sensitive-values.ts';
import type { SecretApi } from './secret-api.ts';
import { planSecretWrite, type WritePlan, type WritePlanInput } from './secret-plan.ts';

export type WriteResult =
  | { written: false; mac: string; plan: WritePlan }
  | { written: true; mac: string; plan: WritePlan; secret: V1Secret }
  | { written: false; blocked: Extract<WritePlan, { action: 'blocked' }> };

export async function writeSecret(api: SecretApi, input: WritePlanInput): Promise<WriteResult> {
  // Whatever goes into a Secret must never come back out through a condition or an Event.
  rememberSensitiveValues(Object.values(input.desired.data));
  const plan = planSecretWrite(input);
  const { namespace, name } = input.desired;
  switch (plan.action) {
    case 'none':
      return { written: false, mac: plan.mac, plan };
    case 'blocked':
      return { written: false, blocked: plan };
    case 'create':
      return { written: true, mac: plan.mac, plan, secret: await api.create(namespace, plan.body) };
    case 'replace':
      return { written: true, mac: plan.mac, plan, secret: await api.replace(namespace, name, plan.body) };
  }
}
