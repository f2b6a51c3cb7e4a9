import { createHash } from 'node:crypto';
import { type ServerContext, timestamp } from './context.ts';
import { clone, deepEqual, isRecord, type KubeObject, objectKey } from './kube-object.ts';
import type { StoreEvent } from './store.ts';

const WORKLOADS = new Map([
  ['apps/deployments', 'Deployment'],
  ['apps/statefulsets', 'StatefulSet'],
  ['apps/daemonsets', 'DaemonSet'],
]);

function templateHash(obj: KubeObject): string {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  return createHash('sha256')
    .update(JSON.stringify(spec.template ?? {}))
    .digest('hex')
    .slice(0, 10);
}

function replicasOf(obj: KubeObject): number {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  return typeof spec.replicas === 'number' ? spec.replicas : 1;
}

function condition(type: string, reason: string, message: string, now: string): object {
  return { type, status: 'True', lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

/** The status a controller reports once every replica runs the current template. */
function completedStatus(kind: string, obj: KubeObject, now: string): Record<string, unknown> {
  const generation = obj.metadata.generation ?? 1;
  const n = replicasOf(obj);
  const revision = `${obj.metadata.name}-${templateHash(obj)}`;
  if (kind === 'Deployment') {
    return {
      observedGeneration: generation,
      replicas: n,
      updatedReplicas: n,
      readyReplicas: n,
      availableReplicas: n,
      conditions: [
        condition('Available', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', now),
        condition(
          'Progressing',
          'NewReplicaSetAvailable',
          `ReplicaSet "${revision}" has successfully progressed.`,
          now,
        ),
      ],
    };
  }
  if (kind === 'StatefulSet') {
    return {
      observedGeneration: generation,
      replicas: n,
      readyReplicas: n,
      currentReplicas: n,
      updatedReplicas: n,
      availableReplicas: n,
      currentRevision: revision,
      updateRevision: revision,
      collisionCount: 0,
    };
  }
  // One simulated node: a DaemonSet runs one pod.
  return {
    observedGeneration: generation,
    currentNumberScheduled: 1,
    desiredNumberScheduled: 1,
    numberMisscheduled: 0,
    numberReady: 1,
    numberAvailable: 1,
    updatedNumberScheduled: 1,
  };
}

/**
 * Stands in for the workload controllers: after a create or a spec change the status lags (observedGeneration is
 * behind, so `kubectl rollout status` waits) and after `delayMs` it reports the rollout complete.
 */
export class RolloutSimulator {
  private readonly ctx: ServerContext;
  private readonly unsubscribe: () => void;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  delayMs: number;

  constructor(ctx: ServerContext, delayMs: number) {
    this.ctx = ctx;
    this.delayMs = delayMs;
    this.unsubscribe = ctx.store.subscribe((e) => this.onEvent(e));
  }

  stop(): void {
    this.unsubscribe();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private onEvent(event: StoreEvent): void {
    const kind = WORKLOADS.get(event.storageKey);
    if (!kind) return;
    const meta = event.object.metadata;
    const key = `${event.storageKey}|${objectKey(meta.namespace, meta.name ?? '')}`;
    if (event.type === 'DELETED') {
      clearTimeout(this.timers.get(key));
      this.timers.delete(key);
      return;
    }
    if (event.type === 'MODIFIED' && event.previous?.metadata.generation === meta.generation) return;
    clearTimeout(this.timers.get(key));
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.complete(event.storageKey, kind, meta.namespace, meta.name ?? '');
    }, this.delayMs);
    t.unref();
    this.timers.set(key, t);
  }

  private complete(storageKey: string, kind: string, namespace: string | undefined, name: string): void {
    const live = this.ctx.store.get(storageKey, namespace, name);
    if (!live || live.metadata.deletionTimestamp) return;
    const now = timestamp(this.ctx.now());
    const status = completedStatus(kind, live, now);
    const previous = isRecord(live.status) ? live.status : {};
    // Keep transition times of conditions that did not change, as a controller would.
    if (Array.isArray(previous.conditions) && Array.isArray(status.conditions)) {
      status.conditions = status.conditions.map((c) => {
        const old = (previous.conditions as Record<string, unknown>[]).find(
          (p) => isRecord(c) && p.type === c.type && p.reason === c.reason,
        );
        return old && isRecord(c) ? { ...c, lastTransitionTime: old.lastTransitionTime } : c;
      });
    }
    if (deepEqual(previous, status)) return;
    const updated = clone(live);
    updated.status = status;
    this.ctx.store.put(storageKey, updated);
  }
}
