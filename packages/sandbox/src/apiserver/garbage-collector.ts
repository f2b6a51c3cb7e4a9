import type { ServerContext } from './context.ts';
import { deleteObject, FOREGROUND_FINALIZER } from './deletion.ts';
import { clone, type KubeObject, objectKey } from './kube-object.ts';
import type { ResourceType } from './registry.ts';
import type { StoreEvent } from './store.ts';

type DependentRef = { storageKey: string; namespace: string | undefined; name: string };

/**
 * The ownerReference garbage collector: dependents whose owners are all gone are deleted, a foreground deletion
 * waits for its dependents before its finalizer is removed. Works from store events, like kube's GC works from
 * informers, and keeps an owner-uid index so a deletion does not scan every object.
 */
export class GarbageCollector {
  private readonly ctx: ServerContext;
  private readonly dependents = new Map<string, Map<string, DependentRef>>();
  private readonly timers = new Set<NodeJS.Immediate>();
  private readonly unsubscribe: () => void;

  constructor(ctx: ServerContext) {
    this.ctx = ctx;
    this.unsubscribe = ctx.store.subscribe((e) => this.onEvent(e));
  }

  stop(): void {
    this.unsubscribe();
    for (const t of this.timers) clearImmediate(t);
    this.timers.clear();
  }

  private typeOf(storageKey: string): ResourceType | undefined {
    return this.ctx.registry.storageTypes().find((rt) => rt.storageKey === storageKey);
  }

  private index(event: StoreEvent): void {
    const meta = event.object.metadata;
    const key = `${event.storageKey}|${objectKey(meta.namespace, meta.name ?? '')}`;
    for (const ref of event.previous?.metadata.ownerReferences ?? []) this.dependents.get(ref.uid)?.delete(key);
    if (event.type === 'DELETED') return;
    for (const ref of meta.ownerReferences ?? []) {
      let deps = this.dependents.get(ref.uid);
      if (!deps) {
        deps = new Map();
        this.dependents.set(ref.uid, deps);
      }
      deps.set(key, { storageKey: event.storageKey, namespace: meta.namespace, name: meta.name ?? '' });
    }
  }

  private onEvent(event: StoreEvent): void {
    this.index(event);
    const obj = event.object;
    if (event.type === 'DELETED') {
      if (obj.metadata.uid) this.collectDependentsOf(obj.metadata.uid, false);
      // A dependent going away may unblock a foreground deletion of its owner.
      for (const ref of event.previous?.metadata.ownerReferences ?? []) this.finishForeground(ref.uid);
      return;
    }
    const uid = obj.metadata.uid;
    if (uid && obj.metadata.deletionTimestamp && obj.metadata.finalizers?.includes(FOREGROUND_FINALIZER)) {
      this.collectDependentsOf(uid, true);
      this.finishForeground(uid);
    }
    if (event.type === 'ADDED' && obj.metadata.ownerReferences?.length) {
      // Owners that never existed (or vanished meanwhile) make the new object garbage, as in kube's GC.
      const t = setImmediate(() => {
        this.timers.delete(t);
        this.collectIfOrphaned(event.storageKey, obj.metadata.namespace, obj.metadata.name ?? '');
      });
      this.timers.add(t);
    }
  }

  private ownersGone(obj: KubeObject): boolean {
    const refs = obj.metadata.ownerReferences ?? [];
    return refs.length > 0 && refs.every((r) => !this.ctx.store.getByUid(r.uid));
  }

  private collectIfOrphaned(storageKey: string, namespace: string | undefined, name: string): void {
    const obj = this.ctx.store.get(storageKey, namespace, name);
    const rt = this.typeOf(storageKey);
    if (obj && rt && !obj.metadata.deletionTimestamp && this.ownersGone(obj)) {
      deleteObject(this.ctx, rt, obj, { dryRun: false, propagationPolicy: 'Background' });
    }
  }

  /** Deletes dependents of `ownerUid`: all of them in a foreground deletion, else those with no owner left. */
  private collectDependentsOf(ownerUid: string, foreground: boolean): void {
    const deps = this.dependents.get(ownerUid);
    if (!deps) return;
    for (const dep of [...deps.values()]) {
      const obj = this.ctx.store.get(dep.storageKey, dep.namespace, dep.name);
      const rt = this.typeOf(dep.storageKey);
      if (!obj || !rt || obj.metadata.deletionTimestamp) continue;
      if (foreground || this.ownersGone(obj)) {
        deleteObject(this.ctx, rt, obj, { dryRun: false, propagationPolicy: foreground ? 'Foreground' : 'Background' });
      }
    }
    if (deps.size === 0) this.dependents.delete(ownerUid);
  }

  /** Removes the foregroundDeletion finalizer once no dependent of the owner is left. */
  private finishForeground(ownerUid: string): void {
    const found = this.ctx.store.getByUid(ownerUid);
    if (!found) return;
    const { storageKey, object } = found;
    if (!object.metadata.deletionTimestamp || !object.metadata.finalizers?.includes(FOREGROUND_FINALIZER)) return;
    if ((this.dependents.get(ownerUid)?.size ?? 0) > 0) return;
    const updated = clone(object);
    updated.metadata.finalizers = object.metadata.finalizers.filter((f) => f !== FOREGROUND_FINALIZER);
    if (updated.metadata.finalizers.length === 0) {
      delete updated.metadata.finalizers;
      this.ctx.store.remove(storageKey, object.metadata.namespace, object.metadata.name ?? '', updated);
    } else {
      this.ctx.store.put(storageKey, updated);
    }
  }
}
