// ESO side by side (issue 15): ESO's own controller (v0.16.2, built from its Go module) on the
// same control plane, moto and OpenBao, over the same B1 data as the generic scenario written
// as external-secrets.io objects; once at ESO's defaults and once tuned. B1 (cold sync) and B2
// (one steady refresh) are counted by the same server-side counters as Lockstep's run: the
// audit log, moto's access log and OpenBao's route counters; ESO's own /metrics beside them.

import type { OpenBaoApi } from '@lockstep/sandbox';
import { ESO_VERSION, type EsoBuild } from './eso-binary.ts';
import { type EsoChild, startEsoController } from './eso-controller.ts';
import {
  createExternalSecrets,
  createStoresAndRemoteValues,
  type EsGroup,
  esFixtures,
  namespaceName,
} from './generic-fixtures.ts';
import type { KubeHttp } from './kube-http.ts';
import { delta, sumBy } from './prometheus-text.ts';
import { type RequestCounter, writesSettled } from './request-counter.ts';
import { type Scale, totalExternalSecrets } from './scale.ts';
import { type Snapshot, serverCounts, serverDelta, snapshot } from './server-counts.ts';
import { mib, round } from './stats.ts';
import { allReady, controllerSummary, refreshCycle } from './sync-phases.ts';
import { SyncTracker } from './sync-tracker.ts';

export const ESO_GROUP: EsGroup = { path: '/apis/external-secrets.io/v1', apiVersion: 'external-secrets.io/v1' };

/**
 * Tuned: `--concurrent` equal to Lockstep's concurrency and the client's rate limit raised far
 * above what one controller process sends (the defaults, 50 QPS and a burst of 100, throttle it).
 */
const TUNED_QPS = 1000;
const TUNED_BURST = 2000;
const ESO_CONFIGS = ['defaults', 'tuned'] as const;
export type EsoConfig = (typeof ESO_CONFIGS)[number];

export function esoArgs(config: EsoConfig, concurrency: number): string[] {
  // The defaults are the binary's own: --concurrent 1, --client-qps 50, --client-burst 100.
  if (config === 'defaults') return [];
  return [
    '--concurrent',
    String(concurrency),
    '--client-qps',
    String(TUNED_QPS),
    '--client-burst',
    String(TUNED_BURST),
  ];
}

export interface EsoContext {
  scale: Scale;
  kube: KubeHttp;
  bao: OpenBaoApi;
  motoEndpoint: string;
  motoLogFile: string;
  requests: RequestCounter;
  kubeconfigPath: string;
  build: EsoBuild;
  /** ESO's logs go here, one file per run. */
  logDir: string;
  /** Lockstep's --concurrency: the tuned run's --concurrent. */
  concurrency: number;
  /** Deletes namespaces and waits until they are gone (each run starts on a clean cluster). */
  removeNamespaces(names: string[]): Promise<void>;
  log(message: string): void;
}

/** What happened between two snapshots, in the same terms as the generic scenario's figures. */
function between(a: Snapshot, b: Snapshot) {
  const calls = (s: Snapshot) => sumBy(s.metrics, 'externalsecret_provider_api_calls_count', ['provider', 'call']);
  const reconciles = (s: Snapshot) => sumBy(s.metrics, 'controller_runtime_reconcile_total', ['controller', 'result']);
  return {
    windowSeconds: round((b.at - a.at) / 1000, 2),
    /** ESO's own count of its provider calls (externalsecret_provider_api_calls_count), by provider/call. */
    reportedProviderCalls: delta(calls(b), calls(a)),
    reconciles: delta(reconciles(b), reconciles(a)),
    ...serverDelta(a, b),
    controllerCpuSeconds: round(b.cpuSeconds - a.cpuSeconds, 2),
  };
}

export async function runEsoScenarios(ctx: EsoContext) {
  const problems: string[] = [];
  const runs: Partial<Record<EsoConfig, Awaited<ReturnType<typeof runEso>>['figures']>> = {};
  for (const config of ESO_CONFIGS) {
    const run = await runEso(ctx, config);
    runs[config] = run.figures;
    problems.push(...run.problems.map((p) => `ESO ${config}: ${p}`));
  }
  return { version: ESO_VERSION, defaults: runs.defaults, tuned: runs.tuned, problems };
}

export type EsoScenario = Awaited<ReturnType<typeof runEsoScenarios>>;
export type EsoRun = NonNullable<EsoScenario['defaults']>;

async function runEso(ctx: EsoContext, config: EsoConfig) {
  const { scale, kube } = ctx;
  const fixtures = esFixtures(scale);
  const esKeys = fixtures.map((f) => `${f.namespace}/${f.name}`);
  const args = esoArgs(config, ctx.concurrency);
  const problems: string[] = [];

  ctx.log(`ESO ${config}: fixtures (the same remote values, stores and ${fixtures.length} ExternalSecrets)`);
  await createStoresAndRemoteValues({ kube, bao: ctx.bao, motoEndpoint: ctx.motoEndpoint }, scale, ESO_GROUP);
  await createExternalSecrets(kube, fixtures, scale, ESO_GROUP);
  const tracker = new SyncTracker();
  await tracker.start(kube, `${ESO_GROUP.path}/externalsecrets`);
  try {
    // ---- B1 cold sync ----
    const before = await serverCounts(ctx);
    ctx.log(`ESO ${config}: starting ESO ${args.join(' ') || '(no flags)'}`);
    const eso = await startEsoController({
      binary: ctx.build.binary,
      kubeconfigPath: ctx.kubeconfigPath,
      motoEndpoint: ctx.motoEndpoint,
      logFile: `${ctx.logDir}/eso-${config}.log`,
      args,
    });
    try {
      const zero: Snapshot = { at: eso.spawnedAt, metrics: [], ...before, cpuSeconds: 0 };
      const b1Wait = await allReady(tracker, esKeys, scale.esoPhaseTimeoutMs, (n) =>
        ctx.log(`ESO ${config} B1: ${n}/${esKeys.length} Ready`),
      );
      await writesSettled(ctx.requests);
      const b1End = await snapshot(ctx, eso);
      const b1Stats = eso.stats();
      const b1Seconds = b1Wait.completedAt === undefined ? null : round((b1Wait.completedAt - eso.spawnedAt) / 1000, 2);
      if (b1Seconds === null) {
        const why = b1Wait.stalled ? 'and no progress for 90 s' : `within ${scale.esoPhaseTimeoutMs / 1000} s`;
        problems.push(`B1: only ${b1Wait.done}/${esKeys.length} Ready ${why}`);
      }
      const b1 = {
        externalSecrets: totalExternalSecrets(scale),
        ready: b1Wait.done,
        /** From spawning ESO to the last ExternalSecret turning Ready. */
        seconds: b1Seconds,
        /** How long the harness waited (a lower bound of the B1 time when not all became Ready). */
        waitedSeconds: round((b1End.at - eso.spawnedAt) / 1000, 2),
        startupSeconds: round((eso.startedAt - eso.spawnedAt) / 1000, 2),
        throughputPerSecond: b1Seconds ? round(b1Wait.done / b1Seconds, 1) : null,
        ...between(zero, b1End),
        controller: { peakRssMiB: mib(b1Stats.peakRssBytes), cpuSeconds: b1Stats.cpuSeconds },
        /** ESO's exits during B1, each followed by a restart as a Deployment's pod gets. */
        restarts: eso.restarts(),
      };
      ctx.log(
        `ESO ${config} B1: ${b1.ready} Ready in ${b1Seconds ?? 'timeout'} s; peak RSS ${b1.controller.peakRssMiB} MiB; ${b1.restarts.length} restarts`,
      );
      if (b1Seconds === null) {
        const reason = 'B1 did not complete';
        return {
          figures: { args, b1, b2: { status: 'not-run' as const, reason }, controller: summary(eso) },
          problems,
        };
      }

      // ---- B2 steady state: one full refresh cycle with nothing changed ----
      ctx.log(`ESO ${config} B2: waiting for a full refresh cycle (refreshInterval ${scale.refreshInterval})`);
      const baseline = tracker.refreshTimes();
      const b2Start = await snapshot(ctx, eso);
      const timeoutMs = scale.refreshIntervalMs * 1.2 + scale.esoPhaseTimeoutMs;
      const b2Wait = await refreshCycle(tracker, esKeys, baseline, timeoutMs, (n) =>
        ctx.log(`ESO ${config} B2: ${n}/${esKeys.length} refreshed`),
      );
      const b2End = await snapshot(ctx, eso);
      if (b2Wait.completedAt === undefined)
        problems.push(`B2: only ${b2Wait.done}/${esKeys.length} refreshed before the timeout`);
      const b2 = {
        refreshInterval: scale.refreshInterval,
        refreshed: b2Wait.done,
        ...between(b2Start, b2End),
      };
      ctx.log(`ESO ${config} B2: ${b2.api.secretWrites} Secret writes, ${b2.api.writeTotal} API writes`);
      return { figures: { args, b1, b2, controller: summary(eso) }, problems };
    } finally {
      await eso.stop();
    }
  } finally {
    tracker.stop();
    await ctx.removeNamespaces(Array.from({ length: scale.namespaces }, (_, i) => namespaceName(i)));
  }
}

function summary(eso: EsoChild) {
  return { ...controllerSummary(eso.stats(), eso.errorLines()), restarts: eso.restarts() };
}
