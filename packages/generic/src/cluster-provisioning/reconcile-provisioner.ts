// The reconciler shared by ClusterExternalSecret and ClusterPushSecret, in four steps: load
// (informer caches of the parent, Namespaces and children), decide (pure: which children to
// create, update or delete), act (the only step that writes), record (one status patch).

import type { KubernetesObject, V1Namespace } from '@kubernetes/client-node';
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
import type { ObjectCache } from '../external-secret/store-resolver.ts';
import {
  type ChildKind,
  desiredChild,
  isOwnedBy,
  PROVISIONER_API_VERSION,
  type Provisioner,
  updatedChild,
} from './child-kind.ts';
import { type NamespaceSelection, selectNamespaces } from './namespace-selection.ts';

type Child = KubernetesObject & { spec?: unknown };

/** Writes children; errors carry a message for the status (BackendError). */
export interface ChildWriter<C extends Child> {
  create(namespace: string, body: C): Promise<void>;
  replace(namespace: string, name: string, body: C): Promise<void>;
  delete(namespace: string, name: string): Promise<void>;
}

export interface ProvisionerContext<P extends Provisioner, C extends Child> {
  parents: ObjectCache<P>;
  children: ObjectCache<C> & { list(namespace?: string): readonly C[] };
  namespaces: { list(): readonly V1Namespace[] };
  /** False for namespaces outside the controller's `--namespace` scope; default: all in scope. */
  inScope?(namespace: string): boolean;
  writer: ChildWriter<C>;
  status: StatusPatcher;
  events: EventRecorder;
  now(): Date;
}

type Action<C> =
  | { op: 'create'; namespace: string; body: C }
  | { op: 'update'; namespace: string; body: C }
  | { op: 'delete'; namespace: string; name: string };

export interface ProvisionPlan<C> {
  actions: Action<C>[];
  /** Namespaces that cannot be provisioned, and why (before acting). */
  failed: Array<{ namespace: string; reason: string }>;
  /** Namespaces that hold (or will hold) this parent's child. */
  provisioned: string[];
}

export async function reconcileProvisioner<P extends Provisioner & { spec: NamespaceSelection }, C extends Child>(
  kind: ChildKind<P, C>,
  key: string,
  ctx: ProvisionerContext<P, C>,
): Promise<ReconcileResult> {
  // 1. load
  const { name } = parseObjectKey(key);
  const parent = ctx.parents.get(undefined, name);
  if (!parent) {
    // Owner references let the API server collect them; this also covers a server without GC.
    await removeOrphans(kind, name, ctx);
    return {};
  }
  if (parent.metadata?.deletionTimestamp) return {};
  const now = ctx.now();
  let refreshMs: number;
  try {
    refreshMs = parseGoDuration(parent.spec.refreshTime ?? '1m', 'spec.refreshTime');
  } catch (err) {
    await record(kind, parent, ctx, { provisioned: [], failed: [], error: (err as Error).message }, now);
    return {};
  }

  // 2. decide
  const inScope = ctx.inScope ?? (() => true);
  const selected = selectNamespaces(parent.spec, ctx.namespaces.list()).filter(inScope);
  const plan = planChildren(kind, parent, selected, ctx.children.list());

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
      // A conflict means our cache is behind (a child we just created, or a newer version):
      // the retry sees the fresh object, so the namespace is not reported as failed.
      if (err instanceof BackendError && err.errorClass === 'Conflict') continue;
      if (action.op !== 'delete') failed.push({ namespace: action.namespace, reason: failure.message });
    }
  }
  const failedNames = new Set(failed.map((f) => f.namespace));

  // 4. record
  const provisioned = plan.provisioned.filter((ns) => !failedNames.has(ns));
  await record(kind, parent, ctx, { provisioned, failed }, now);
  if (retry) throw retry;
  return refreshMs > 0 ? { requeueAfter: refreshMs } : {};
}

/** Pure: what to create, update and delete so exactly the selected namespaces hold the child. */
export function planChildren<P extends Provisioner, C extends Child>(
  kind: ChildKind<P, C>,
  parent: P,
  selected: readonly string[],
  children: readonly C[],
): ProvisionPlan<C> {
  const childName = kind.childName(parent);
  const actions: Action<C>[] = [];
  const failed: ProvisionPlan<C>['failed'] = [];
  const provisioned: string[] = [];
  const byKey = new Map(children.map((c) => [`${c.metadata?.namespace}/${c.metadata?.name}`, c]));
  for (const namespace of selected) {
    const desired = desiredChild(kind, parent, namespace);
    const existing = byKey.get(`${namespace}/${childName}`);
    if (!existing) {
      actions.push({ op: 'create', namespace, body: desired });
      provisioned.push(namespace);
    } else if (!isOwnedBy(existing, kind.parentKind, parent)) {
      failed.push({
        namespace,
        reason: `${kind.childKind} "${childName}" already exists in namespace "${namespace}" and is not owned by this ${kind.parentKind}: rename it or set spec.${kind.nameField}`,
      });
    } else {
      const update = updatedChild(existing, desired);
      if (update) actions.push({ op: 'update', namespace, body: update });
      provisioned.push(namespace);
    }
  }
  const wanted = new Set(selected);
  for (const child of children) {
    const ns = child.metadata?.namespace ?? '';
    if (!isOwnedBy(child, kind.parentKind, parent)) continue;
    if (wanted.has(ns) && child.metadata?.name === childName) continue;
    actions.push({ op: 'delete', namespace: ns, name: child.metadata?.name ?? '' });
  }
  return { actions, failed, provisioned: provisioned.sort() };
}

async function removeOrphans<P extends Provisioner, C extends Child>(
  kind: ChildKind<P, C>,
  parentName: string,
  ctx: ProvisionerContext<P, C>,
): Promise<void> {
  for (const child of ctx.children.list()) {
    const owned = (child.metadata?.ownerReferences ?? []).some(
      (r) => r.kind === kind.parentKind && r.name === parentName && r.controller,
    );
    if (owned) await ctx.writer.delete(child.metadata?.namespace ?? '', child.metadata?.name ?? '');
  }
}

async function record<P extends Provisioner, C extends Child>(
  kind: ChildKind<P, C>,
  parent: P,
  ctx: ProvisionerContext<P, C>,
  outcome: { provisioned: string[]; failed: Array<{ namespace: string; reason: string }>; error?: string },
  now: Date,
): Promise<void> {
  const childName = kind.childName(parent);
  const failed = [...outcome.failed].sort((a, b) => (a.namespace < b.namespace ? -1 : 1));
  const ok = !outcome.error && failed.length === 0;
  const message = outcome.error
    ? outcome.error
    : ok
      ? `${kind.childKind} "${childName}" provisioned in ${outcome.provisioned.length} namespace(s)`
      : `${kind.childKind} "${childName}" could not be provisioned in ${failed.map((f) => `"${f.namespace}"`).join(', ')}: see status.failedNamespaces`;
  const conditions: Condition[] = setCondition(
    parent.status?.conditions,
    {
      type: READY_CONDITION,
      status: ok ? 'True' : 'False',
      reason: outcome.error ? 'InvalidSpec' : ok ? 'Provisioned' : 'ProvisionFailed',
      message,
      observedGeneration: parent.metadata?.generation,
    },
    now,
  );
  const status = {
    [kind.nameField]: childName,
    provisionedNamespaces: outcome.provisioned,
    failedNamespaces: failed,
    conditions,
  };
  const current = parent.status ?? {};
  const unchanged =
    conditionsEqual(conditions, current.conditions) &&
    current[kind.nameField] === childName &&
    JSON.stringify(current.provisionedNamespaces ?? []) === JSON.stringify(status.provisionedNamespaces) &&
    JSON.stringify(current.failedNamespaces ?? []) === JSON.stringify(status.failedNamespaces);
  if (unchanged) return;
  const api = { group: 'external.lockstep.dev', version: 'v1', plural: kind.parentPlural };
  await ctx.status.patchStatus({ ...api, name: parent.metadata?.name ?? '' }, status);
  const involved = {
    apiVersion: PROVISIONER_API_VERSION,
    kind: kind.parentKind,
    name: parent.metadata?.name ?? '',
    uid: parent.metadata?.uid,
  };
  if (ok) ctx.events.normal(involved, 'Provisioned', message);
  else ctx.events.warning(involved, outcome.error ? 'InvalidSpec' : 'ProvisionFailed', message);
}
