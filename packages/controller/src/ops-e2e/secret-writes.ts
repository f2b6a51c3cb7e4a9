// The controller's writes to Secrets as kube-apiserver's audit log recorded them: what the
// leader-handover tests count to prove that a new leader writes nothing twice. The audit log
// names the object of a create too, and records refused requests (409 on a create race, 403),
// which changed nothing: they are counted apart.

import type { RequestLogEntry } from '@lockstep/sandbox';
import type { Ops } from './ops-harness.ts';

const WRITE_VERBS = ['create', 'update', 'patch'];

/** The controller's write requests (create, update, patch) to Secrets in `namespaces`, refused ones included, in log order. */
export function secretWriteRequests(ops: Ops, namespaces: readonly string[]): RequestLogEntry[] {
  const wanted = new Set(namespaces);
  return ops
    .controllerRequests()
    .filter(
      (r) =>
        r.resource === 'secrets' && !r.subresource && wanted.has(r.namespace ?? '') && WRITE_VERBS.includes(r.verb),
    );
}

/** The API server carried it out (2xx). */
export function succeeded(r: RequestLogEntry): boolean {
  return r.code >= 200 && r.code < 300;
}

/**
 * The API server gave up on it (5xx, or no status): when a client dies mid-request (SIGKILL),
 * kube-apiserver stops waiting for etcd and logs a timeout, but the write it started may still
 * land. Such a request may have written; a 4xx refusal never did.
 */
export function unanswered(r: RequestLogEntry): boolean {
  return r.code >= 500 || r.code < 100;
}

/** Successful writes to each Secret in `namespace` by the controller's identity, keyed `verb name`. */
export function secretWrites(ops: Ops, namespace: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of secretWriteRequests(ops, [namespace]).filter(succeeded)) {
    const key = `${r.verb} ${r.name ?? '(unnamed)'}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** The `create …` entries of `secretWrites`, sorted. */
export function creates(writes: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...writes].filter(([key]) => key.startsWith('create ')).sort());
}
