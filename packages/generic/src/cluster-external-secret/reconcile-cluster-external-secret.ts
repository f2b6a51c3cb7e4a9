// The ClusterExternalSecret reconciler in four steps: load (informer caches of the
// ClusterExternalSecret, Namespaces and ExternalSecrets), decide (pure: which ExternalSecrets
// to create, update or delete), act (the only step that writes), record (one status patch).

import type { V1Namespace } from '@kubernetes/client-node';
import {
  BackendError,
  type Condition,
  conditionsEqual,
  describeFailure,
  type EventRecorder,
  parseGoDuration,
  parseObjectKey,
  READY_CONDITION,
  type ReconcileResult,
  type StatusPatcher,
  setCondition,
} from '@lockstep/core';
import type { ClusterExternalSecret } from '../api/cluster-external-secret.ts';
import type { ExternalSecret } from '../api/external-secret.ts';
import type { ObjectCache } from '../external-secret/store-resolver.ts';
import {
  CLUSTER_EXTERNAL_SECRET_API_VERSION,
  desiredExternalSecret,
  externalSecretName,
  isOwnedBy,
  updatedExternalSecret,
} from './desired-external-secret.ts';
import { selectNamespaces } from './namespace-selection.ts';

export const CLUSTER_EXTERNAL_SECRET_API = {
  group: 'external.lockstep.dev',
  version: 'v1',
  plural: 'clusterexternalsecrets',
};

/** Writes ExternalSecrets; errors carry a message for the status (BackendError). */
export interface ExternalSecretWriter {
  create(namespace: string, body: ExternalSecret): Promise<void>;
  replace(namespace: string, name: string, body: ExternalSecret): Promise<void>;
  delete(namespace: string, name: string): Promise<void>;
}

export interface ClusterExternalSecretContext {
  clusterExternalSecrets: ObjectCache<ClusterExternalSecret>;
  externalSecrets: ObjectCache<ExternalSecret> & { list(namespace?: string): readonly ExternalSecret[] };
  namespaces: { list(): readonly V1Namespace[] };
  /** False for namespaces outside the controller's `--namespace` scope; default: all in scope. */
  inScope?(namespace: string): boolean;
  writer: ExternalSecretWriter;
  status: StatusPatcher;
  events: EventRecorder;
  now(): Date;
}

type Action =
  | { op: 'create'; namespace: string; body: ExternalSecret }
  | { op: 'update'; namespace: string; body: ExternalSecret }
  | { op: 'delete'; namespace: string; name: string };

export interface ProvisionPlan {
  actions: Action[];
  /** Namespaces that cannot be provisioned, and why (before acting). */
  failed: Array<{ namespace: string; reason: string }>;
  /** Namespaces that hold (or will hold) this resource's ExternalSecret. */
  provisioned: string[];
}

export async function reconcileClusterExternalSecret(
  key: string,
  ctx: ClusterExternalSecretContext,
): Promise<ReconcileResult> {
  // 1. load
  const { name } = parseObjectKey(key);
  const ces = ctx.clusterExternalSecrets.get(undefined, name);
  if (!ces) {
    // Owner references let the API server collect them; this also covers a server without GC.
    await removeOrphans(name, ctx);
    return {};
  }
  if (ces.metadata?.deletionTimestamp) return {};
  const now = ctx.now();
  let refreshMs: number;
  try {
    refreshMs = parseGoDuration(ces.spec.refreshTime ?? '1m', 'spec.refreshTime');
  } catch (err) {
    await record(ces, ctx, { provisioned: [], failed: [], error: (err as Error).message }, now);
    return {};
  }

  // 2. decide
  const inScope = ctx.inScope ?? (() => true);
  const selected = selectNamespaces(ces.spec, ctx.namespaces.list()).filter(inScope);
  const plan = planProvisioning(ces, selected, ctx.externalSecrets.list());

  // 3. act
  const failed = [...plan.failed];
  let retry: unknown;
  for (const action of plan.actions) {
    try {
      if (action.op === 'create') await ctx.writer.create(action.namespace, action.body);
      else if (action.op === 'update')
        await ctx.writer.replace(action.namespace, action.body.metadata?.name ?? '', action.body);
      else await ctx.writer.delete(action.namespace, action.name);
    } catch (err) {
      const failure = describeFailure(err);
      if (failure.retry) retry ??= err;
      // A conflict means our cache is behind (an ExternalSecret we just created, or a newer
      // version): the retry sees the fresh object, so the namespace is not reported as failed.
      if (err instanceof BackendError && err.errorClass === 'Conflict') continue;
      if (action.op !== 'delete') failed.push({ namespace: action.namespace, reason: failure.message });
    }
  }
  const failedNames = new Set(failed.map((f) => f.namespace));

  // 4. record
  await record(ces, ctx, { provisioned: plan.provisioned.filter((ns) => !failedNames.has(ns)), failed }, now);
  if (retry) throw retry;
  return refreshMs > 0 ? { requeueAfter: refreshMs } : {};
}

/** Pure: what to create, update and delete so exactly the selected namespaces hold the ExternalSecret. */
export function planProvisioning(
  ces: ClusterExternalSecret,
  selected: readonly string[],
  externalSecrets: readonly ExternalSecret[],
): ProvisionPlan {
  const esName = externalSecretName(ces);
  const actions: Action[] = [];
  const failed: ProvisionPlan['failed'] = [];
  const provisioned: string[] = [];
  const byKey = new Map(externalSecrets.map((es) => [`${es.metadata?.namespace}/${es.metadata?.name}`, es]));
  for (const namespace of selected) {
    const desired = desiredExternalSecret(ces, namespace);
    const existing = byKey.get(`${namespace}/${esName}`);
    if (!existing) {
      actions.push({ op: 'create', namespace, body: desired });
      provisioned.push(namespace);
    } else if (!isOwnedBy(existing, ces)) {
      failed.push({
        namespace,
        reason: `ExternalSecret "${esName}" already exists in namespace "${namespace}" and is not owned by this ClusterExternalSecret: rename it or set spec.externalSecretName`,
      });
    } else {
      const update = updatedExternalSecret(existing, desired);
      if (update) actions.push({ op: 'update', namespace, body: update });
      provisioned.push(namespace);
    }
  }
  const wanted = new Set(selected);
  for (const es of externalSecrets) {
    const ns = es.metadata?.namespace ?? '';
    if (!isOwnedBy(es, ces)) continue;
    if (wanted.has(ns) && es.metadata?.name === esName) continue;
    actions.push({ op: 'delete', namespace: ns, name: es.metadata?.name ?? '' });
  }
  return { actions, failed, provisioned: provisioned.sort() };
}

async function removeOrphans(cesName: string, ctx: ClusterExternalSecretContext): Promise<void> {
  for (const es of ctx.externalSecrets.list()) {
    const owned = (es.metadata?.ownerReferences ?? []).some(
      (r) => r.kind === 'ClusterExternalSecret' && r.name === cesName && r.controller,
    );
    if (owned) await ctx.writer.delete(es.metadata?.namespace ?? '', es.metadata?.name ?? '');
  }
}

async function record(
  ces: ClusterExternalSecret,
  ctx: ClusterExternalSecretContext,
  outcome: { provisioned: string[]; failed: Array<{ namespace: string; reason: string }>; error?: string },
  now: Date,
): Promise<void> {
  const failed = [...outcome.failed].sort((a, b) => (a.namespace < b.namespace ? -1 : 1));
  const ok = !outcome.error && failed.length === 0;
  const message = outcome.error
    ? outcome.error
    : ok
      ? `ExternalSecret "${externalSecretName(ces)}" provisioned in ${outcome.provisioned.length} namespace(s)`
      : `ExternalSecret "${externalSecretName(ces)}" could not be provisioned in ${failed.map((f) => `"${f.namespace}"`).join(', ')}: see status.failedNamespaces`;
  const conditions: Condition[] = setCondition(
    ces.status?.conditions,
    {
      type: READY_CONDITION,
      status: ok ? 'True' : 'False',
      reason: outcome.error ? 'InvalidSpec' : ok ? 'Provisioned' : 'ProvisionFailed',
      message,
      observedGeneration: ces.metadata?.generation,
    },
    now,
  );
  const status = {
    externalSecretName: externalSecretName(ces),
    provisionedNamespaces: outcome.provisioned,
    failedNamespaces: failed,
    conditions,
  };
  const current = ces.status ?? {};
  const unchanged =
    conditionsEqual(conditions, current.conditions) &&
    current.externalSecretName === status.externalSecretName &&
    JSON.stringify(current.provisionedNamespaces ?? []) === JSON.stringify(status.provisionedNamespaces) &&
    JSON.stringify(current.failedNamespaces ?? []) === JSON.stringify(status.failedNamespaces);
  if (unchanged) return;
  await ctx.status.patchStatus({ ...CLUSTER_EXTERNAL_SECRET_API, name: ces.metadata?.name ?? '' }, status);
  const involved = {
    apiVersion: CLUSTER_EXTERNAL_SECRET_API_VERSION,
    kind: 'ClusterExternalSecret',
    name: ces.metadata?.name ?? '',
    uid: ces.metadata?.uid,
  };
  if (ok) ctx.events.normal(involved, 'Provisioned', message);
  else ctx.events.warning(involved, outcome.error ? 'InvalidSpec' : 'ProvisionFailed', message);
}
