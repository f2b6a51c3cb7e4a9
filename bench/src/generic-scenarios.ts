// B1 cold sync, B2 steady state and B3 rotation fan-out against the controller process.
// Fixtures exist before the controller starts, so B1 measures a cold start over a full
// cluster. B2 and B3 wait for the periodic refresh (ESO's model: remote changes are polled).

import type { OpenBaoApi } from '@lockstep/sandbox';
import type { CacheHeapResult } from './cache-heap.ts';
import type { ControllerChild } from './controller-child.ts';
import {
  createExternalSecrets,
  createStoresAndRemoteValues,
  ES_API,
  type EsFixture,
  esFixtures,
  putAwsValue,
  putVaultValue,
  remoteValue,
} from './generic-fixtures.ts';
import { forEachLimit, type KubeHttp } from './kube-http.ts';
import { delta, sumBy } from './prometheus-text.ts';
import { type RequestCounter, writesSettled } from './request-counter.ts';
import { type Scale, totalExternalSecrets } from './scale.ts';
import { type Snapshot, serverCounts, serverDelta, snapshot } from './server-counts.ts';
import { mib, round } from './stats.ts';
import { allReady, controllerSummary, refreshCycle } from './sync-phases.ts';
import { SyncTracker } from './sync-tracker.ts';
import { waitAll } from './wait-all.ts';

export interface GenericContext {
  scale: Scale;
  kube: KubeHttp;
  bao: OpenBaoApi;
  motoEndpoint: string;
  /** moto's access log: its own count of AWS calls. */
  motoLogFile: string;
  requests: RequestCounter;
  startController(): Promise<ControllerChild>;
  log(message: string): void;
  /** Stop after B1 (profiling runs). */
  b1Only?: boolean;
  /** Heap per ExternalSecret in the informer caches, slimmed and whole (run after the controller stopped). */
  cacheHeap?(): Promise<{ slim: CacheHeapResult; whole: CacheHeapResult }>;
}

/** `vault-http` counts each HTTP attempt under the vault provider: the same calls again, not a provider. */
const HTTP_LAYER = 'vault-http';

/** Provider calls in a window's counts by provider, without the HTTP layer counted under one of them. */
export function providerCallCount(byProvider: Record<string, number>): number {
  let n = 0;
  for (const [provider, count] of Object.entries(byProvider)) if (provider !== HTTP_LAYER) n += count;
  return n;
}

/** What happened between two snapshots: provider calls (from /metrics), API traffic, OpenBao's own count. */
function between(a: Snapshot, b: Snapshot) {
  const calls = (s: Snapshot) => sumBy(s.metrics, 'lockstep_provider_requests_total', ['provider', 'operation']);
  const byOperation = delta(calls(b), calls(a));
  const byProvider: Record<string, number> = {};
  for (const [k, v] of Object.entries(byOperation)) {
    const p = k.split('/')[0] ?? k;
    byProvider[p] = (byProvider[p] ?? 0) + v;
  }
  const writes = (s: Snapshot) => sumBy(s.metrics, 'lockstep_secret_writes_total', ['kind', 'operation']);
  const reconciles = (s: Snapshot) => sumBy(s.metrics, 'lockstep_reconcile_total', ['kind', 'result']);
  return {
    windowSeconds: round((b.at - a.at) / 1000, 2),
    providerCalls: { byProvider, byOperation, total: providerCallCount(byProvider) },
    secretWritesMetric: delta(writes(b), writes(a)),
    reconciles: delta(reconciles(b), reconciles(a)),
    ...serverDelta(a, b),
    controllerCpuSeconds: round(b.cpuSeconds - a.cpuSeconds, 2),
  };
}

export type PhaseFigures = ReturnType<typeof between>;

export async function runGenericScenarios(ctx: GenericContext) {
  const { scale, kube } = ctx;
  const fixtures = esFixtures(scale);
  const esKeys = fixtures.map((f) => `${f.namespace}/${f.name}`);
  const problems: string[] = [];

  ctx.log(`fixtures: ${scale.aws.distinct} AWS secrets, ${scale.vault.distinct} Vault paths, stores`);
  const setupStart = performance.now();
  await createStoresAndRemoteValues({ kube, bao: ctx.bao, motoEndpoint: ctx.motoEndpoint }, scale);
  ctx.log(`fixtures: ${fixtures.length} ExternalSecrets in ${scale.namespaces} namespaces`);
  await createExternalSecrets(kube, fixtures, scale);
  const setupSeconds = round((performance.now() - setupStart) / 1000, 1);

  const tracker = new SyncTracker();
  await tracker.start(kube, `${ES_API}/externalsecrets`);

  // ---- B1 cold sync ----
  const before = await serverCounts(ctx);
  ctx.log('B1: starting the controller');
  const controller = await ctx.startController();
  const zero: Snapshot = { at: controller.spawnedAt, metrics: [], ...before, cpuSeconds: 0 };
  const b1Wait = await allReady(tracker, esKeys, scale.phaseTimeoutMs, (n) =>
    ctx.log(`B1: ${n}/${esKeys.length} Ready`),
  );
  await writesSettled(ctx.requests);
  const b1End = await snapshot(ctx, controller);
  const b1Stats = controller.stats();
  const b1Figures = between(zero, b1End);
  if (b1Wait.completedAt === undefined) {
    const exit = controller.exitReason();
    const why = exit
      ? `: the controller exited (${exit}), see its log`
      : b1Wait.stalled
        ? ' and no progress for 90 s'
        : ' before the timeout';
    problems.push(`B1: only ${b1Wait.done}/${esKeys.length} Ready${why}`);
  }
  const b1Seconds =
    b1Wait.completedAt === undefined ? null : round((b1Wait.completedAt - controller.spawnedAt) / 1000, 2);
  const b1 = {
    externalSecrets: totalExternalSecrets(scale),
    namespaces: scale.namespaces,
    distinct: { aws: scale.aws.distinct, vault: scale.vault.distinct, fake: scale.fake.distinct },
    setupSeconds,
    ready: b1Wait.done,
    /** From spawning the controller to the last ExternalSecret turning Ready. */
    seconds: b1Seconds,
    startupSeconds: round((controller.startedAt - controller.spawnedAt) / 1000, 2),
    throughputPerSecond: b1Seconds ? round(b1Wait.done / b1Seconds, 1) : null,
    ...b1Figures,
    controller: {
      peakRssMiB: mib(b1Stats.peakRssBytes),
      rssMiB: mib(b1Stats.rssBytes),
      cpuSeconds: b1Stats.cpuSeconds,
    },
  };
  ctx.log(`B1: ${b1.ready} Ready in ${b1Seconds ?? 'timeout'} s; peak RSS ${b1.controller.peakRssMiB} MiB`);

  if (b1Wait.completedAt === undefined || ctx.b1Only) {
    // B2 and B3 measure a synced cluster; without one they would only wait for their timeouts.
    const reason = ctx.b1Only ? 'not asked for (--only b1)' : 'B1 did not complete';
    const final = controller.stats();
    const errorLines = controller.errorLines();
    tracker.stop();
    await controller.stop();
    return {
      b1: { ...b1, cacheHeap: await ctx.cacheHeap?.() },
      b2: { status: 'not-run' as const, reason },
      b3: { status: 'not-run' as const, reason },
      controller: controllerSummary(final, errorLines),
      problems,
    };
  }

  // ---- B2 steady state: one full refresh cycle with nothing changed ----
  ctx.log(`B2: waiting for a full refresh cycle (refreshInterval ${scale.refreshInterval} + jitter)`);
  const baseline = tracker.refreshTimes();
  const b2Start = await snapshot(ctx, controller);
  const b2Wait = await refreshCycle(
    tracker,
    esKeys,
    baseline,
    scale.refreshIntervalMs * 1.2 + scale.phaseTimeoutMs,
    (n) => ctx.log(`B2: ${n}/${esKeys.length} refreshed`),
  );
  const b2End = await snapshot(ctx, controller);
  if (b2Wait.completedAt === undefined)
    problems.push(`B2: only ${b2Wait.done}/${esKeys.length} refreshed before the timeout`);
  const b2 = {
    refreshInterval: scale.refreshInterval,
    refreshed: b2Wait.done,
    ...between(b2Start, b2End),
    distinctKeys: scale.aws.distinct + scale.vault.distinct + scale.fake.distinct,
  };
  ctx.log(`B2: ${b2.api.secretWrites} Secret writes, ${b2.api.writeTotal} API writes, ${b2.providerCalls.total} calls`);

  // ---- B3 rotation fan-out ----
  const perProvider = Math.floor(scale.rotatedKeys / 2);
  const rotated = (f: EsFixture) => (f.provider === 'aws' || f.provider === 'vault') && f.keyIndex < perProvider;
  const affected = fixtures.filter(rotated);
  const expected = new Map(affected.map((f) => [`${f.namespace}/${f.name}`, remoteValue(f.provider, f.keyIndex, 2)]));
  ctx.log(`B3: changing ${perProvider * 2} remote values (${affected.length} Secrets affected)`);
  const b3Start = await snapshot(ctx, controller);
  const keys = Array.from({ length: perProvider }, (_, k) => k);
  await Promise.all([
    forEachLimit(keys, 4, (k) => putAwsValue(ctx.motoEndpoint, k, 2)),
    forEachLimit(keys, 16, (k) => putVaultValue(ctx.bao, k, 2)),
  ]);
  const changedAt = performance.now();
  const b3Wait = await waitAll(
    [...expected.keys()],
    (k) => tracker.secrets.get(k)?.value === expected.get(k),
    (k) => tracker.secrets.get(k)?.at ?? 0,
    scale.refreshIntervalMs * 1.2 + scale.phaseTimeoutMs,
    (n) => ctx.log(`B3: ${n}/${expected.size} Secrets carry the new value`),
  );
  await new Promise((r) => setTimeout(r, 1000));
  const b3End = await snapshot(ctx, controller);
  if (b3Wait.completedAt === undefined)
    problems.push(`B3: only ${b3Wait.done}/${expected.size} Secrets updated before the timeout`);
  const b3 = {
    changedRemoteValues: perProvider * 2,
    affectedSecrets: expected.size,
    updated: b3Wait.done,
    /** From the first remote change to the last affected Secret carrying its new value. */
    seconds: b3Wait.completedAt === undefined ? null : round((b3Wait.completedAt - b3Start.at) / 1000, 2),
    remoteChangeSeconds: round((changedAt - b3Start.at) / 1000, 2),
    /** The fan-out is bounded by polling: the refresh interval plus up to 10% jitter. */
    pollingBoundSeconds: round((scale.refreshIntervalMs * 1.1) / 1000, 1),
    ...between(b3Start, b3End),
  };
  ctx.log(`B3: ${b3.updated}/${b3.affectedSecrets} updated in ${b3.seconds ?? 'timeout'} s`);

  const final = controller.stats();
  tracker.stop();
  const errorLines = controller.errorLines();
  await controller.stop();
  return {
    b1: { ...b1, cacheHeap: await ctx.cacheHeap?.() },
    b2,
    b3,
    controller: controllerSummary(final, errorLines),
    problems,
  };
}
