// B4 in-process: the lease engine's own cost, without Vault or Kubernetes.
// - the LeaseScheduler under a FakeClock advanced in 1 s steps through two renewal cycles;
// - the same scheduler on the real clock: leases due over a spread, lateness = fire - due;
// - heap held per scheduled lease (heapUsed delta after GC; needs --expose-gc);
// - CPU per 1,000 renewals through decideLease + executeLeasePlan over the fake backend,
//   and a "restart" that re-decides every ledger from scratch: re-issues must be 0.
// Run as its own process (`node --expose-gc bench/src/lease-engine-bench.ts N SPREAD_MS`)
// so the API server and other scenarios do not disturb timings and heap figures.

import { FakeClock, type LeaseLedger, realClock, seededRandom } from '@lockstep/core';
import { decideLease, executeLeasePlan, type LeaseDecisionInput, LeaseScheduler } from '@lockstep/vault-native';
import { FakeLeaseBackend } from '@lockstep/vault-native/testing';
import { percentile, round } from './stats.ts';

export interface LeaseBenchOptions {
  leases: number;
  /** Real-clock variant: leases fall due uniformly over this many ms. */
  realSpreadMs: number;
  /** Leases renewed through executeLeasePlan. */
  renewals: number;
}

export interface LeaseBenchResult {
  fakeClock: {
    leases: number;
    cycles: number;
    fires: number;
    maxLatenessMs: number;
    cpuMs: number;
    cpuMsPer1000Fires: number;
  };
  realClock: {
    leases: number;
    spreadMs: number;
    fired: number;
    latenessMs: { p50: number; p99: number; max: number; mean: number };
  };
  heap: {
    leases: number;
    gcExposed: boolean;
    /** What the scheduler itself holds per lease (keys already exist in the informer cache). */
    bytesPerLease: number | null;
    /** The same plus the key strings. */
    bytesPerLeaseWithKeys: number | null;
  };
  renewals: {
    count: number;
    cpuMs: number;
    cpuMsPer1000: number;
    /** Issues during the renewal pass (must be 0: every lease was renewable). */
    reissuesWhileRenewing: number;
    /** Ledgers re-decided as after a controller restart that asked to issue (must be 0). */
    reissuesAfterRestart: number;
  };
}

const HOUR_MS = 3_600_000;

function keyOf(i: number): string {
  return `bench-ns-${String(i % 100).padStart(3, '0')}/db-creds-${i}`;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

function fakeClockScheduler(leases: number): LeaseBenchResult['fakeClock'] {
  const clock = new FakeClock();
  const t0 = clock.now().getTime();
  const cycles = 2;
  const fired = new Map<string, number>();
  let fires = 0;
  let maxLateness = 0;
  const scheduler = new LeaseScheduler({
    clock,
    onDue: (key, dueAt) => {
      fires++;
      maxLateness = Math.max(maxLateness, clock.now().getTime() - dueAt.getTime());
      const n = (fired.get(key) ?? 0) + 1;
      fired.set(key, n);
      // A renewal: the next one is one lease period later.
      if (n < cycles) scheduler.schedule(key, new Date(dueAt.getTime() + HOUR_MS));
    },
  });
  const start = process.cpuUsage();
  for (let i = 0; i < leases; i++) scheduler.schedule(keyOf(i), new Date(t0 + Math.floor((i / leases) * HOUR_MS)));
  for (let t = 0; t <= cycles * HOUR_MS + 1000; t += 1000) clock.advance(1000);
  const cpu = cpuMs(start);
  scheduler.stop();
  return {
    leases,
    cycles,
    fires,
    maxLatenessMs: maxLateness,
    cpuMs: round(cpu),
    cpuMsPer1000Fires: round((cpu / Math.max(1, fires)) * 1000, 3),
  };
}

async function realClockScheduler(leases: number, spreadMs: number): Promise<LeaseBenchResult['realClock']> {
  const lateness = new Float64Array(leases);
  let fired = 0;
  const { promise: allFired, resolve } = Promise.withResolvers<void>();
  const scheduler = new LeaseScheduler({
    clock: realClock,
    onDue: (_key, dueAt) => {
      lateness[fired++] = Date.now() - dueAt.getTime();
      if (fired === leases) resolve();
    },
  });
  // Scheduling 100,000 entries takes a while itself: the first falls due after that.
  const t0 = Date.now() + 1000;
  for (let i = 0; i < leases; i++) scheduler.schedule(keyOf(i), new Date(t0 + Math.floor((i / leases) * spreadMs)));
  // realClock's timers are unref'd: keep the process alive until the last one fired.
  const keepAlive = setInterval(() => {}, 1000);
  await allFired;
  clearInterval(keepAlive);
  scheduler.stop();
  const sorted = lateness.slice(0, fired).sort();
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, fired);
  return {
    leases,
    spreadMs,
    fired,
    latenessMs: {
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: percentile(sorted, 100),
      mean: round(mean, 3),
    },
  };
}

function heapPerLease(leases: number): LeaseBenchResult['heap'] {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return { leases, gcExposed: false, bytesPerLease: null, bytesPerLeaseWithKeys: null };
  const settle = () => {
    for (let i = 0; i < 3; i++) gc();
    return process.memoryUsage().heapUsed;
  };
  const clock = new FakeClock();
  const t0 = clock.now().getTime();
  const before = settle();
  const keys = Array.from({ length: leases }, (_, i) => keyOf(i));
  const withKeys = settle();
  const scheduler = new LeaseScheduler({ clock, onDue: () => {} });
  for (let i = 0; i < leases; i++) scheduler.schedule(keys[i] as string, new Date(t0 + HOUR_MS + i));
  const after = settle();
  const result = {
    leases,
    gcExposed: true,
    bytesPerLease: Math.round((after - withKeys) / leases),
    bytesPerLeaseWithKeys: Math.round((after - before) / leases),
  };
  // Keep both alive until measured.
  if (scheduler.size !== keys.length) throw new Error('scheduler lost leases');
  scheduler.stop();
  return result;
}

async function renewalsThroughEngine(count: number): Promise<LeaseBenchResult['renewals']> {
  const clock = new FakeClock();
  const random = seededRandom(42);
  const backend = new FakeLeaseBackend({ clock, ttlSeconds: 3600, maxTtlSeconds: 36_000 });
  const ctx = { backend, now: () => clock.now(), random };
  const input = (ledger: LeaseLedger | undefined, jitter: number): LeaseDecisionInput => ({
    ledger,
    now: clock.now(),
    jitter,
    hasTargets: false,
  });
  const ledgers: LeaseLedger[] = [];
  const jitters: number[] = [];
  for (let i = 0; i < count; i++) {
    const jitter = random.random();
    const first = input(undefined, jitter);
    const result = await executeLeasePlan(decideLease(first), first, ctx);
    if (!result.ledger) throw new Error('initial issue failed');
    ledgers.push(result.ledger);
    jitters.push(jitter);
  }
  // Past the latest jittered renewal point (67% + 10% band) of a 1 h lease.
  clock.advance(Math.ceil(0.78 * HOUR_MS));
  const issuedBefore = backend.issued.length;
  const start = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const inp = input(ledgers[i], jitters[i] as number);
    const result = await executeLeasePlan(decideLease(inp), inp, ctx);
    if (!result.renewed) throw new Error(`lease ${i} was not renewed`);
    ledgers[i] = result.ledger as LeaseLedger;
  }
  const cpu = cpuMs(start);
  const reissuesWhileRenewing = backend.issued.length - issuedBefore;
  // A restarted controller has nothing but the ledgers in the resources' status.
  clock.advance(60_000);
  let reissuesAfterRestart = 0;
  for (let i = 0; i < count; i++) {
    if (decideLease(input(ledgers[i], jitters[i] as number)).action.kind === 'Issue') reissuesAfterRestart++;
  }
  return {
    count,
    cpuMs: round(cpu),
    cpuMsPer1000: round((cpu / count) * 1000, 3),
    reissuesWhileRenewing,
    reissuesAfterRestart,
  };
}

export async function runLeaseEngineBench(opts: LeaseBenchOptions): Promise<LeaseBenchResult> {
  const heap = heapPerLease(opts.leases);
  const fakeClock = fakeClockScheduler(opts.leases);
  const renewals = await renewalsThroughEngine(opts.renewals);
  const realClockResult = await realClockScheduler(opts.leases, opts.realSpreadMs);
  return { fakeClock, realClock: realClockResult, heap, renewals };
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const [leases = '100000', spread = '20000', renewals = leases] = process.argv.slice(2);
  const result = await runLeaseEngineBench({
    leases: Number(leases),
    realSpreadMs: Number(spread),
    renewals: Number(renewals),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
