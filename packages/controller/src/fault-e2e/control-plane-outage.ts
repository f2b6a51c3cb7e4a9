// Driving an outage of a dedicated control plane (etcd down, then kube-apiserver down, then both
// back on the same ports with the same data) and reading what a test needs around it: what
// kube-apiserver answers without etcd, the controller's counters, its Secret writes.

import { request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ControlPlane, RequestLogEntry } from '@lockstep/sandbox';
import { counterValue } from '../testing/counter-value.ts';
import { waitFor } from '../testing/wait-for.ts';

export interface Outage {
  /** When etcd was told to stop. */
  startMs: number;
  /** When kube-apiserver was started again. */
  restartMs: number;
  /** When kube-apiserver answered /readyz again. */
  backMs: number;
  /** What kube-apiserver answered a read while etcd was down (status or error). */
  withoutEtcd: string;
}

export interface OutagePlan {
  /** The fault lasts until this holds (checked every 250 ms, after both are down). */
  until: () => boolean | Promise<boolean>;
  /** Why `until` is waited for, for the timeout message. */
  what: string;
  timeoutMs?: number;
  /** Runs once etcd is back and kube-apiserver is still down (the controller cannot reach anything yet). */
  beforeReturn?: () => Promise<void>;
}

/** etcd down (kube-apiserver up, answering errors), then kube-apiserver down, until `plan.until`; then both back. */
export async function controlPlaneOutage(cp: ControlPlane, kc: KubeConfig, plan: OutagePlan): Promise<Outage> {
  const startMs = Date.now();
  const etcdStopped = cp.component('etcd').stop();
  // etcd closes its listener at once and takes a few seconds to exit: ask meanwhile.
  const withoutEtcd = await waitFor(
    'kube-apiserver to answer a read without etcd',
    async () => {
      const answer = await apiAnswer(kc, '/api/v1/namespaces/default');
      return answer === '200' ? undefined : answer;
    },
    30_000,
  );
  await etcdStopped;
  await cp.component('kube-apiserver').stop();
  await waitFor(plan.what, async () => (await plan.until()) || undefined, plan.timeoutMs ?? 60_000);
  await cp.component('etcd').start();
  await plan.beforeReturn?.();
  const restartMs = Date.now();
  await cp.component('kube-apiserver').start();
  return { startMs, restartMs, backMs: Date.now(), withoutEtcd };
}

/** The status of a GET as the admin (or why there was none), within 5 s. */
export function apiAnswer(kc: KubeConfig, path: string): Promise<string> {
  const server = kc.getCurrentCluster()?.server ?? '';
  return new Promise((resolve) => {
    const url = new URL(path, server);
    const opts: Record<string, unknown> = {};
    void kc.applyToHTTPSOptions(opts as never).then(() => {
      const req = request(url, { ...opts, method: 'GET', timeout: 5_000 }, (res) => {
        res.resume();
        resolve(String(res.statusCode));
      });
      req.on('timeout', () => {
        req.destroy();
        resolve('no answer within 5 s');
      });
      req.on('error', (err) => resolve(`error ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      req.end();
    });
  });
}

/** Reconciles per kind from the Prometheus text of /metrics. */
export function reconcilesByKind(metricsText: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of metricsText.matchAll(/^lockstep_reconcile_total\{[^}]*kind="([^"]+)"[^}]*\} (\S+)$/gm)) {
    counts.set(m[1] as string, (counts.get(m[1] as string) ?? 0) + Number(m[2]));
  }
  return counts;
}

export function leaseRenewals(metricsText: string): number {
  return counterValue(metricsText, 'lockstep_lease_renewals_total');
}

/** True once no key waits or runs in any work queue. */
export function queuesIdle(metricsText: string): boolean {
  const gauges = [...metricsText.matchAll(/^lockstep_queue_(depth|in_flight)\{[^}]*\} (\S+)$/gm)];
  return gauges.length > 0 && gauges.every((m) => Number(m[2]) === 0);
}

/** Successful Secret writes (create, update, patch) in `namespace` at or after `sinceMs`, `verb name`. */
export function secretWritesSince(requests: RequestLogEntry[], namespace: string, sinceMs: number): string[] {
  return requests
    .filter(
      (r) =>
        r.resource === 'secrets' &&
        r.namespace === namespace &&
        !r.subresource &&
        ['create', 'update', 'patch'].includes(r.verb) &&
        r.code >= 200 &&
        r.code < 300 &&
        Date.parse(r.time) >= sinceMs,
    )
    .map((r) => `${r.verb} ${r.name ?? ''}`);
}
