import { randomUUID } from 'node:crypto';
import { type ServerContext, timestamp } from './context.ts';
import { deleteObject } from './deletion.ts';
import { clone, type KubeObject } from './kube-object.ts';
import type { StoreEvent } from './store.ts';

const NAMESPACES = '/namespaces';

/**
 * What kube-controller-manager does for namespaces: every namespace gets the `default` ServiceAccount and the
 * `kube-root-ca.crt` ConfigMap; a deleted namespace (phase Terminating) loses its content, then the `kubernetes`
 * finalizer, then goes away.
 */
export class NamespaceController {
  private readonly ctx: ServerContext;
  private readonly unsubscribe: () => void;
  private readonly timers = new Set<NodeJS.Immediate>();

  constructor(ctx: ServerContext) {
    this.ctx = ctx;
    this.unsubscribe = ctx.store.subscribe((e) => this.onEvent(e));
  }

  stop(): void {
    this.unsubscribe();
    for (const t of this.timers) clearImmediate(t);
    this.timers.clear();
  }

  /** Creates a namespace outright (used for the namespaces that exist at start). */
  createNamespace(name: string): void {
    if (this.ctx.store.get(NAMESPACES, undefined, name)) return;
    this.ctx.store.put(NAMESPACES, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        uid: randomUUID(),
        creationTimestamp: timestamp(this.ctx.now()),
        labels: { 'kubernetes.io/metadata.name': name },
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }

  private onEvent(event: StoreEvent): void {
    if (event.storageKey === NAMESPACES) {
      const name = event.object.metadata.name ?? '';
      if (event.type === 'ADDED') this.populate(name);
      else if (event.type === 'MODIFIED' && event.object.metadata.deletionTimestamp) this.scheduleCleanup(name);
      return;
    }
    const ns = event.object.metadata.namespace;
    if (event.type === 'DELETED' && ns) {
      const namespace = this.ctx.store.get(NAMESPACES, undefined, ns);
      if (namespace?.metadata.deletionTimestamp) this.finishIfEmpty(namespace);
    }
  }

  private populate(namespace: string): void {
    const now = timestamp(this.ctx.now());
    const meta = (name: string) => ({ name, namespace, uid: randomUUID(), creationTimestamp: now });
    if (!this.ctx.store.get('/serviceaccounts', namespace, 'default')) {
      this.ctx.store.put('/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('default') });
    }
    if (!this.ctx.store.get('/configmaps', namespace, 'kube-root-ca.crt')) {
      this.ctx.store.put('/configmaps', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { ...meta('kube-root-ca.crt'), annotations: { 'kubernetes.io/description': ROOT_CA_DESCRIPTION } },
        data: { 'ca.crt': this.ctx.caPem },
      });
    }
  }

  private scheduleCleanup(namespace: string): void {
    // Asynchronous like the namespace controller: the DELETE answers with phase Terminating first.
    const t = setImmediate(() => {
      this.timers.delete(t);
      this.cleanup(namespace);
    });
    this.timers.add(t);
  }

  private cleanup(namespace: string): void {
    const ns = this.ctx.store.get(NAMESPACES, undefined, namespace);
    if (!ns?.metadata.deletionTimestamp) return;
    for (const rt of this.ctx.registry.storageTypes()) {
      if (!rt.namespaced) continue;
      for (const obj of this.ctx.store.list(rt.storageKey, namespace)) {
        if (!obj.metadata.deletionTimestamp)
          deleteObject(this.ctx, rt, obj, { dryRun: false, propagationPolicy: 'Background' });
      }
    }
    const current = this.ctx.store.get(NAMESPACES, undefined, namespace);
    if (current) this.finishIfEmpty(current);
  }

  private finishIfEmpty(namespace: KubeObject): void {
    const name = namespace.metadata.name ?? '';
    if (this.ctx.store.countIn(name) > 0) return;
    const spec = namespace.spec as { finalizers?: string[] } | undefined;
    if (!spec?.finalizers?.length && namespace.metadata.finalizers?.length) return;
    const updated = clone(namespace);
    updated.spec = { ...(updated.spec as object), finalizers: [] };
    if (updated.metadata.finalizers?.length) {
      this.ctx.store.put(NAMESPACES, updated);
      return;
    }
    this.ctx.store.remove(NAMESPACES, undefined, name, updated);
  }
}

const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IPs or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';
