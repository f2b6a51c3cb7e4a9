// SecretStore and ClusterSecretStore: validate the provider spec, build (or reuse) the
// client and ask it to validate, then record Ready and capabilities in one status patch.

import {
  type Condition,
  conditionsEqual,
  describeFailure,
  type EventRecorder,
  INSECURE_TRANSPORT,
  insecureTransportIsNew,
  parseObjectKey,
  READY_CONDITION,
  type ReconcileResult,
  type StatusPatcher,
  setCondition,
  withTransportCondition,
} from '@lockstep/core';
import type { ObjectCache, StoreObject, StoreResolver } from './store-resolver.ts';

export interface SecretStoreContext {
  kind: 'SecretStore' | 'ClusterSecretStore';
  stores: ObjectCache<StoreObject & { status?: { conditions?: Condition[]; capabilities?: string } }>;
  resolver: StoreResolver;
  status: StatusPatcher;
  events: EventRecorder;
  now(): Date;
  /** Re-validation period (spec.refreshInterval seconds overrides it). */
  revalidateMs: number;
}

export async function reconcileSecretStore(key: string, ctx: SecretStoreContext): Promise<ReconcileResult> {
  const { namespace, name } = parseObjectKey(key);
  const store = ctx.stores.get(namespace, name);
  // Gone, or another controller class serves it: no status, no events, no client (ESO: skipping unmanaged store).
  if (!store || !ctx.resolver.serves(store)) {
    await ctx.resolver.clients.release(`${ctx.kind}/${namespace ?? ''}/${name}`);
    return {};
  }
  let ready: { ok: boolean; reason: string; message: string; capabilities?: string };
  let retry: unknown;
  try {
    // A ClusterSecretStore is validated as seen from its own scope: credentials it names explicitly.
    const scope = namespace ?? 'default';
    // Its spec.conditions limit which ExternalSecrets may use it, not the store's own validation.
    const own = { checkConditions: false };
    const { provider } = ctx.resolver.resolve(scope, { name, kind: ctx.kind }, own);
    const client = await ctx.resolver.client(scope, { name, kind: ctx.kind }, own);
    const check = await client.validate();
    ready = check.ok
      ? { ok: true, reason: 'Valid', message: 'store validated', capabilities: provider.capabilities }
      : { ok: false, reason: 'ValidationFailed', message: check.message };
  } catch (err) {
    // ESO's reason for a store it cannot use; the message and the retry follow core's failure policy.
    const failure = describeFailure(err);
    ready = { ok: false, reason: 'InvalidProviderConfig', message: failure.message };
    if (failure.retry) retry = err;
  }
  const now = ctx.now();
  const withReady = setCondition(
    store.status?.conditions,
    {
      type: READY_CONDITION,
      status: ready.ok ? 'True' : 'False',
      reason: ready.reason,
      message: ready.message,
      observedGeneration: store.metadata?.generation,
    },
    now,
  );
  const cleartext = ctx.resolver.insecureTransport(store);
  const conditions = withTransportCondition(withReady, cleartext, store.metadata?.generation, now);
  if (!conditionsEqual(conditions, store.status?.conditions) || store.status?.capabilities !== ready.capabilities) {
    await ctx.status.patchStatus(
      {
        group: 'external.lockstep.dev',
        version: 'v1',
        plural: ctx.kind === 'SecretStore' ? 'secretstores' : 'clustersecretstores',
        namespace,
        name,
      },
      { conditions, ...(ready.capabilities ? { capabilities: ready.capabilities } : {}) },
    );
    const involved = {
      apiVersion: 'external.lockstep.dev/v1',
      kind: ctx.kind,
      namespace,
      name,
      uid: (store.metadata as { uid?: string })?.uid,
    };
    if (ready.ok) ctx.events.normal(involved, 'Valid', ready.message);
    else ctx.events.warning(involved, ready.reason, ready.message);
    if (cleartext && insecureTransportIsNew(store.status?.conditions, cleartext)) {
      ctx.events.warning(involved, INSECURE_TRANSPORT, cleartext);
    }
  }
  if (retry) throw retry;
  const seconds = (store.spec as { refreshInterval?: number } | undefined)?.refreshInterval;
  return { requeueAfter: seconds && seconds > 0 ? seconds * 1000 : ctx.revalidateMs };
}
