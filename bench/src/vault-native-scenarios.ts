// B5 (VaultStaticSecret cold sync and steady state) and B4-real (dynamic database
// credentials through OpenBao and PostgreSQL: two renewal cycles, a controller restart,
// re-issues must be 0), against the binary run with --enable-vault-native only.
// Tenants log in with OpenBao's kubernetes auth as the service account `app` of their
// namespace (TokenRequest tokens reviewed by kube-apiserver), as in production.

import type { OpenBaoApi } from '@lockstep/sandbox';
import { CONTROLLER_NAMESPACE, type ControllerChild } from './controller-child.ts';
import { putVaultValue, vaultPath } from './generic-fixtures.ts';
import { forEachLimit, type KubeHttp, type KubeObject } from './kube-http.ts';
import { clientRequests, openBaoRouteCounts } from './openbao-metrics.ts';
import { delta, histogramQuantile, sumBy, total } from './prometheus-text.ts';
import { type RequestCounter, trafficBetween } from './request-counter.ts';
import type { Scale } from './scale.ts';
import { mib, round } from './stats.ts';
import { type WaitAllResult, waitAll } from './wait-all.ts';

const VAULT_API = '/apis/vault.lockstep.dev/v1beta1';
const AUTH_ROLE = 'bench';

export interface VaultNativeContext {
  scale: Scale;
  kube: KubeHttp;
  bao: OpenBaoApi;
  requests: RequestCounter;
  /** The database mount and role seeded with the scale's short TTL. */
  database: { mount: string; role: string; ttlSeconds: number };
  startController(): Promise<ControllerChild>;
  log(message: string): void;
}

export function vaultNamespace(i: number): string {
  return `vault-${String(i).padStart(3, '0')}`;
}

interface Watched {
  ready: boolean;
  readyAt: number | undefined;
  leaseId: string | undefined;
  leaseIds: Set<string>;
  lastRenewalTime: number | undefined;
  renewals: number;
  renewedAt: number;
}

/** Ready, lease ID and renewal history of every object of one kind, from a watch. */
class StatusWatch {
  readonly objects = new Map<string, Watched>();
  #stop: (() => void) | undefined;

  async start(kube: KubeHttp, path: string): Promise<void> {
    const handle = await kube.listWatch(path, (e) => {
      if (e.type === 'DELETED') return;
      const o = e.object;
      const k = `${o.metadata?.namespace}/${o.metadata?.name}`;
      const status = o.status as
        | {
            conditions?: Array<{ type?: string; status?: string }>;
            secretLease?: { id?: string };
            lastRenewalTime?: number;
          }
        | undefined;
      const now = performance.now();
      const ready = status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      const prev = this.objects.get(k);
      const leaseId = status?.secretLease?.id || undefined;
      const leaseIds = prev?.leaseIds ?? new Set<string>();
      if (leaseId) leaseIds.add(leaseId);
      const renewed =
        prev !== undefined &&
        status?.lastRenewalTime !== undefined &&
        prev.lastRenewalTime !== undefined &&
        status.lastRenewalTime !== prev.lastRenewalTime &&
        leaseId === prev.leaseId;
      this.objects.set(k, {
        ready,
        readyAt: ready ? (prev?.ready ? prev.readyAt : now) : undefined,
        leaseId,
        leaseIds,
        lastRenewalTime: status?.lastRenewalTime,
        renewals: (prev?.renewals ?? 0) + (renewed ? 1 : 0),
        renewedAt: renewed ? now : (prev?.renewedAt ?? 0),
      });
    });
    this.#stop = () => handle.stop();
  }

  stop(): void {
    this.#stop?.();
  }

  waitAll(
    keys: readonly string[],
    done: (w: Watched, key: string) => boolean,
    at: (w: Watched) => number,
    timeoutMs: number,
    progress: (n: number) => void,
    /** Give up early when the count has not moved for this long. */
    stallMs = 90_000,
  ): Promise<WaitAllResult> {
    const watched = (k: string) => this.objects.get(k);
    return waitAll(
      keys,
      (k) => {
        const w = watched(k);
        return w !== undefined && done(w, k);
      },
      (k) => {
        const w = watched(k);
        return w ? at(w) : 0;
      },
      timeoutMs,
      progress,
      stallMs,
    );
  }
}

async function tenants(ctx: VaultNativeContext, namespaces: number): Promise<void> {
  const { kube, bao } = ctx;
  const names = Array.from({ length: namespaces }, (_, i) => vaultNamespace(i));
  await bao.write(`auth/kubernetes/role/${AUTH_ROLE}`, {
    bound_service_account_names: ['app'],
    bound_service_account_namespaces: names,
    token_policies: ['app'],
    token_ttl: '1h',
  });
  const connection = (namespace: string): KubeObject => ({
    apiVersion: 'vault.lockstep.dev/v1beta1',
    kind: 'VaultConnection',
    metadata: { namespace, name: 'default' },
    spec: { address: bao.addr },
  });
  await kube.ensure('/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: CONTROLLER_NAMESPACE },
  });
  await kube.ensure(
    `${VAULT_API}/namespaces/${CONTROLLER_NAMESPACE}/vaultconnections`,
    connection(CONTROLLER_NAMESPACE),
  );
  await forEachLimit(names, 8, async (namespace) => {
    await kube.ensure('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    await kube.ensure(`/api/v1/namespaces/${namespace}/serviceaccounts`, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { namespace, name: 'app' },
    });
    await kube.ensure(`${VAULT_API}/namespaces/${namespace}/vaultconnections`, connection(namespace));
    await kube.ensure(`${VAULT_API}/namespaces/${namespace}/vaultauths`, {
      apiVersion: 'vault.lockstep.dev/v1beta1',
      kind: 'VaultAuth',
      metadata: { namespace, name: 'default' },
      spec: { method: 'kubernetes', mount: 'kubernetes', kubernetes: { role: AUTH_ROLE, serviceAccount: 'app' } },
    });
  });
}

async function figures(ctx: VaultNativeContext, controller: ControllerChild) {
  const api = ctx.requests.snapshot();
  const at = performance.now();
  const [metrics, bao] = await Promise.all([controller.scrape(), openBaoRouteCounts(ctx.bao)]);
  return { at, api, bao, metrics, cpuSeconds: controller.stats().cpuSeconds };
}

type Figures = Awaited<ReturnType<typeof figures>>;

const LATENESS = 'lockstep_lease_renewal_lateness_seconds';

function between(a: Figures, b: Figures) {
  const calls = (f: Figures) => sumBy(f.metrics, 'lockstep_provider_requests_total', ['provider', 'operation']);
  const reconciles = (f: Figures) => sumBy(f.metrics, 'lockstep_reconcile_total', ['kind', 'result']);
  const renewals = (f: Figures) => sumBy(f.metrics, 'lockstep_lease_renewals_total', ['result']);
  const providerCalls = delta(calls(b), calls(a));
  return {
    windowSeconds: round((b.at - a.at) / 1000, 2),
    openBaoRequests: delta(b.bao, a.bao),
    providerCalls: { byOperation: providerCalls, total: total(providerCalls) },
    reconciles: delta(reconciles(b), reconciles(a)),
    leaseRenewalsMetric: delta(renewals(b), renewals(a)),
    api: trafficBetween(a.api, b.api),
    controllerCpuSeconds: round(b.cpuSeconds - a.cpuSeconds, 2),
  };
}

export async function runVaultNativeScenarios(ctx: VaultNativeContext) {
  const { scale, kube } = ctx;
  const problems: string[] = [];
  const namespaces = Math.min(scale.namespaces, 20);
  ctx.log(`vault-native fixtures: ${namespaces} tenant namespaces with kubernetes auth`);
  await tenants(ctx, namespaces);

  // ---- B5: VaultStaticSecrets ----
  const vss = Array.from({ length: scale.staticSecrets }, (_, j) => ({
    namespace: vaultNamespace(j % namespaces),
    name: `static-${String(j).padStart(5, '0')}`,
    path: vaultPath(j % scale.vault.distinct),
  }));
  await forEachLimit(vss, 16, (v) =>
    kube.ensure(`${VAULT_API}/namespaces/${v.namespace}/vaultstaticsecrets`, {
      apiVersion: 'vault.lockstep.dev/v1beta1',
      kind: 'VaultStaticSecret',
      metadata: { namespace: v.namespace, name: v.name },
      spec: {
        vaultAuthRef: 'default',
        mount: 'kv',
        type: 'kv-v2',
        path: v.path,
        refreshAfter: scale.vaultRefreshAfter,
        destination: { create: true, name: v.name },
      },
    }),
  );
  // The same KV paths as B1 (written again, with the same values, when B1 did not run).
  const paths = Array.from({ length: Math.min(scale.vault.distinct, vss.length) }, (_, k) => k);
  await forEachLimit(paths, 16, (k) => putVaultValue(ctx.bao, k, 1));
  const vssKeys = vss.map((v) => `${v.namespace}/${v.name}`);
  const vssWatch = new StatusWatch();
  await vssWatch.start(kube, `${VAULT_API}/vaultstaticsecrets`);

  const baoBefore = await openBaoRouteCounts(ctx.bao);
  const apiBefore = ctx.requests.snapshot();
  ctx.log(`B5: ${vss.length} VaultStaticSecrets; starting the controller (--enable-vault-native)`);
  let controller = await ctx.startController();
  const zero: Figures = { at: controller.spawnedAt, api: apiBefore, bao: baoBefore, metrics: [], cpuSeconds: 0 };
  const cold = await vssWatch.waitAll(
    vssKeys,
    (w) => w.ready,
    (w) => w.readyAt ?? 0,
    scale.phaseTimeoutMs,
    (n) => ctx.log(`B5: ${n}/${vss.length} Ready`),
  );
  const coldEnd = await figures(ctx, controller);
  const coldStats = controller.stats();
  if (cold.completedAt === undefined) {
    const why = cold.stalled ? 'and no progress for 90 s' : 'before the timeout';
    problems.push(`B5: only ${cold.done}/${vss.length} Ready ${why}`);
  }
  const coldSeconds =
    cold.completedAt === undefined ? null : round((cold.completedAt - controller.spawnedAt) / 1000, 2);
  const b5Cold = {
    staticSecrets: vss.length,
    namespaces,
    distinctPaths: Math.min(scale.vault.distinct, vss.length),
    ready: cold.done,
    seconds: coldSeconds,
    throughputPerSecond: coldSeconds ? round(cold.done / coldSeconds, 1) : null,
    ...between(zero, coldEnd),
    controller: { peakRssMiB: mib(coldStats.peakRssBytes), cpuSeconds: coldStats.cpuSeconds },
  };
  ctx.log(`B5: ${cold.done} Ready in ${coldSeconds ?? 'timeout'} s`);

  // Steady state: every VaultStaticSecret re-reads its path once (refreshAfter); nothing changed.
  ctx.log(`B5: waiting for a refresh cycle (refreshAfter ${scale.vaultRefreshAfter})`);
  const steadyStart = await figures(ctx, controller);
  // One re-read per synced VaultStaticSecret (those that never synced may not be polled at all).
  const expectedReads = cold.done;
  const deadline = performance.now() + scale.vaultRefreshAfterMs * 1.3 + scale.phaseTimeoutMs;
  let kvReads = 0;
  while (performance.now() < deadline) {
    kvReads = ((await openBaoRouteCounts(ctx.bao))['read kv'] ?? 0) - (steadyStart.bao['read kv'] ?? 0);
    if (kvReads >= expectedReads) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise((r) => setTimeout(r, 1000));
  const steadyEnd = await figures(ctx, controller);
  if (kvReads < expectedReads) {
    problems.push(`B5 steady: only ${kvReads}/${expectedReads} re-reads before the timeout`);
  }
  const b5Steady = { refreshAfter: scale.vaultRefreshAfter, ...between(steadyStart, steadyEnd) };
  ctx.log(`B5 steady: ${b5Steady.api.secretWrites} Secret writes, ${b5Steady.api.writeTotal} API writes`);
  vssWatch.stop();

  // ---- B4-real: dynamic database credentials, two renewal cycles, a restart ----
  const vds = Array.from({ length: scale.dynamicSecrets }, (_, j) => ({
    namespace: vaultNamespace(j % namespaces),
    name: `db-${String(j).padStart(4, '0')}`,
  }));
  const vdsKeys = vds.map((v) => `${v.namespace}/${v.name}`);
  const vdsWatch = new StatusWatch();
  await vdsWatch.start(kube, `${VAULT_API}/vaultdynamicsecrets`);
  const issueStart = await figures(ctx, controller);
  ctx.log(`B4-real: ${vds.length} VaultDynamicSecrets on ${ctx.database.mount}/creds/${ctx.database.role}`);
  await forEachLimit(vds, 16, (v) =>
    kube.ensure(`${VAULT_API}/namespaces/${v.namespace}/vaultdynamicsecrets`, {
      apiVersion: 'vault.lockstep.dev/v1beta1',
      kind: 'VaultDynamicSecret',
      metadata: { namespace: v.namespace, name: v.name },
      spec: {
        vaultAuthRef: 'default',
        mount: ctx.database.mount,
        path: `creds/${ctx.database.role}`,
        renewalPercent: 67,
        revoke: false,
        destination: { create: true, name: v.name },
      },
    }),
  );
  const cycleMs = ctx.database.ttlSeconds * 1000;
  const renewalStallMs = Math.max(90_000, cycleMs * 2 + 30_000);
  const issued = await vdsWatch.waitAll(
    vdsKeys,
    (w) => w.ready && w.leaseId !== undefined,
    (w) => w.readyAt ?? 0,
    scale.phaseTimeoutMs,
    (n) => ctx.log(`B4-real: ${n}/${vds.length} issued`),
  );
  const issuedEnd = await figures(ctx, controller);
  ctx.log(`B4-real: ${issued.done} issued; waiting for two renewal cycles (TTL ${ctx.database.ttlSeconds} s)`);
  const renewedTwice = await vdsWatch.waitAll(
    vdsKeys,
    (w) => w.renewals >= 2,
    (w) => w.renewedAt,
    cycleMs * 3 + scale.phaseTimeoutMs,
    (n) => ctx.log(`B4-real: ${n}/${vds.length} renewed twice`),
    // The count stays 0 until the second renewal, two thirds of two TTLs in.
    renewalStallMs,
  );
  const cyclesEnd = await figures(ctx, controller);
  const leasesBeforeRestart = new Map(vdsKeys.map((k) => [k, vdsWatch.objects.get(k)?.leaseId]));
  const renewalsBeforeRestart = new Map(vdsKeys.map((k) => [k, vdsWatch.objects.get(k)?.renewals ?? 0]));
  const beforeStats = controller.stats();

  ctx.log('B4-real: restarting the controller');
  const stoppingAt = performance.now();
  await controller.stop();
  const restartStart = await openBaoRouteCounts(ctx.bao);
  const restartApi = ctx.requests.snapshot();
  controller = await ctx.startController();
  // Leases due while no controller runs lose that much of their margin (TTL - renewal point).
  const restartGapSeconds = round((controller.startedAt - stoppingAt) / 1000, 2);
  const afterRestart = await vdsWatch.waitAll(
    vdsKeys,
    (w, k) => w.renewals > (renewalsBeforeRestart.get(k) ?? 0),
    (w) => w.renewedAt,
    cycleMs * 2 + scale.phaseTimeoutMs,
    (n) => ctx.log(`B4-real: ${n}/${vds.length} renewed after the restart`),
    renewalStallMs,
  );
  const restartEnd = await figures(ctx, controller);
  const reissued = vdsKeys.filter((k) => vdsWatch.objects.get(k)?.leaseId !== leasesBeforeRestart.get(k)).length;
  const restartWindow = between(
    { at: controller.spawnedAt, api: restartApi, bao: restartStart, metrics: [], cpuSeconds: 0 },
    restartEnd,
  );
  for (const [what, r, n] of [
    ['issued', issued, vds.length],
    ['renewed twice', renewedTwice, vds.length],
    ['renewed after the restart', afterRestart, vds.length],
  ] as const) {
    if (r.completedAt === undefined) problems.push(`B4-real: only ${r.done}/${n} ${what} before the timeout`);
  }
  const cycles = between(issuedEnd, cyclesEnd);
  const lateness = (q: number) => {
    const s = histogramQuantile(q, LATENESS, cyclesEnd.metrics, issuedEnd.metrics);
    return s === undefined ? null : round(s, 3);
  };
  const b4Real = {
    dynamicSecrets: vds.length,
    namespaces,
    leaseTtlSeconds: ctx.database.ttlSeconds,
    issued: issued.done,
    issueSeconds: issued.completedAt === undefined ? null : round((issued.completedAt - issueStart.at) / 1000, 2),
    issue: between(issueStart, issuedEnd),
    renewedTwice: renewedTwice.done,
    renewalCycles: cycles,
    /** From a renewal's due time to Vault granting it, over the two cycles (controller histogram). */
    renewalLatenessSeconds: { p50: lateness(0.5), p99: lateness(0.99) },
    controllerBeforeRestart: { peakRssMiB: mib(beforeStats.peakRssBytes), cpuSeconds: beforeStats.cpuSeconds },
    restartGapSeconds,
    renewedAfterRestart: afterRestart.done,
    /** Lease IDs that changed across the restart: each one is a re-issued credential. */
    reissuesAfterRestart: reissued,
    /** OpenBao's own count of credential reads (`read <mount>`) after the restart. */
    openBaoCredentialReadsAfterRestart: restartWindow.openBaoRequests[`read ${ctx.database.mount}`] ?? 0,
    afterRestart: restartWindow,
    /** Every lease ID ever seen per resource, summed: more than one per resource is a re-issue. */
    distinctLeaseIds: [...vdsWatch.objects.values()].reduce((n, w) => n + w.leaseIds.size, 0),
  };
  ctx.log(`B4-real: ${reissued} re-issues after the restart`);
  vdsWatch.stop();
  const final = controller.stats();
  const errorLines = controller.errorLines();
  await controller.stop();
  return {
    b5: { cold: b5Cold, steady: b5Steady },
    b4Real,
    controller: {
      peakRssMiB: mib(final.peakRssBytes),
      cpuSeconds: final.cpuSeconds,
      errorLogLines: errorLines.length,
      firstErrorLines: errorLines.slice(0, 3).map((l) => l.slice(0, 500)),
    },
    problems,
  };
}

/** B5's VaultStaticSecrets read this KV mount on the same controller while B4-real runs. */
const B5_KV_READS = 'read kv';

/** OpenBao requests the lease engine sent in a window (renewals, logins, token lookups) per lease renewal. */
export function requestsPerRenewal(routes: Record<string, number>, renewals: number): number | null {
  return renewals === 0 ? null : round(clientRequests(routes, [B5_KV_READS]) / renewals, 2);
}
