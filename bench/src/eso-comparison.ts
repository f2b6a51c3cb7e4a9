// Lockstep against ESO in one run: the same figures of both, taken from the same server-side
// counters, as the README's side-by-side table and as the issue's targets (checks). Built from
// a results file's scenarios alone, so `run-bench.ts --render` recomputes it.

import type { EsoRun, EsoScenario } from './eso-scenarios.ts';
import type { runGenericScenarios } from './generic-scenarios.ts';
import { type Check, info, type NotRun } from './results.ts';
import { round } from './stats.ts';

type Generic = Awaited<ReturnType<typeof runGenericScenarios>>;

/** One system's figures; null where it was not measured (or the phase did not run). */
interface Side {
  b1Seconds: number | null;
  /** How long B1 was waited for: a lower bound of ESO's B1 time when it did not finish. */
  b1LowerBound: number | null;
  b1Ready: number;
  b1ApiWrites: number;
  b1ApiRequests: number;
  b1ProviderCalls: number | null;
  b1Moto: number | null;
  b1OpenBao: number;
  b1CpuSeconds: number;
  b1PeakRssMiB: number;
  b2SecretWrites: number | null;
  b2ApiWrites: number | null;
  b2ProviderCalls: number | null;
  /** Exits of the controller during B1, each followed by a restart (a Deployment's pod). */
  b1Restarts: string[];
}

type Figure = Exclude<keyof Side, 'b1LowerBound' | 'b1Ready' | 'b1Restarts'>;

const ROWS: { key: Figure; label: string; unit: string }[] = [
  { key: 'b1Seconds', label: 'B1 time until all Ready', unit: 's' },
  { key: 'b1ApiWrites', label: 'B1 API writes', unit: '' },
  { key: 'b1ApiRequests', label: 'B1 API requests (reads and writes)', unit: '' },
  { key: 'b1ProviderCalls', label: 'B1 provider calls (moto + OpenBao, counted by them)', unit: '' },
  { key: 'b1Moto', label: 'B1 AWS calls (moto)', unit: '' },
  { key: 'b1OpenBao', label: 'B1 Vault calls (OpenBao)', unit: '' },
  { key: 'b1CpuSeconds', label: 'B1 controller CPU', unit: 's' },
  { key: 'b1PeakRssMiB', label: 'B1 controller peak RSS', unit: 'MiB' },
  { key: 'b2SecretWrites', label: 'B2 Secret writes (one refresh cycle)', unit: '' },
  { key: 'b2ApiWrites', label: 'B2 API writes', unit: '' },
  { key: 'b2ProviderCalls', label: 'B2 provider calls (moto + OpenBao)', unit: '' },
];

/**
 * The requests a controller sent OpenBao: every route but sys/ (the harness's own metrics reads)
 * and `rollback` (OpenBao's own periodic rollback of every mount, counted like a request).
 */
function openBaoCalls(byRoute: Record<string, number>): number {
  return Object.entries(byRoute)
    .filter(([route]) => !/^rollback | sys$/.test(route))
    .reduce((sum, [, n]) => sum + n, 0);
}

interface PhaseCounts {
  api: { writeTotal: number; readTotal: number; secretWrites: number };
  motoRequests?: number;
  openBaoRequests: Record<string, number>;
}

function providerCalls(p: PhaseCounts): number | null {
  return p.motoRequests === undefined ? null : p.motoRequests + openBaoCalls(p.openBaoRequests);
}

function side(
  b1: PhaseCounts & { seconds: number | null; ready: number; controller: { cpuSeconds: number; peakRssMiB: number } },
  lowerBound: number | null,
  b2: PhaseCounts | NotRun,
  restarts: string[] = [],
): Side {
  const steady = 'status' in b2 ? undefined : b2;
  return {
    b1Seconds: b1.seconds,
    b1LowerBound: lowerBound,
    b1Ready: b1.ready,
    b1ApiWrites: b1.api.writeTotal,
    b1ApiRequests: b1.api.writeTotal + b1.api.readTotal,
    b1ProviderCalls: providerCalls(b1),
    b1Moto: b1.motoRequests ?? null,
    b1OpenBao: openBaoCalls(b1.openBaoRequests),
    b1CpuSeconds: b1.controller.cpuSeconds,
    b1PeakRssMiB: b1.controller.peakRssMiB,
    b2SecretWrites: steady ? steady.api.secretWrites : null,
    b2ApiWrites: steady ? steady.api.writeTotal : null,
    b2ProviderCalls: steady ? providerCalls(steady) : null,
    b1Restarts: restarts,
  };
}

function lockstepSide(g: Generic): Side {
  return side(g.b1, null, g.b2);
}

function esoSide(run: EsoRun): Side {
  // Results written before restarts were recorded have none.
  return side(run.b1, run.b1.waitedSeconds, run.b2, run.b1.restarts ?? []);
}

export interface Comparison {
  lockstep: Side;
  defaults: Side;
  tuned: Side;
  /** ESO's B1 took longer than the refresh interval: its B1 counts include periodic refreshes. */
  refreshedDuringB1: { defaults: boolean; tuned: boolean };
  refreshIntervalSeconds: number | null;
}

export function comparisonOf(scenarios: Record<string, unknown>): Comparison | undefined {
  const eso = scenarios.eso as EsoScenario | NotRun | undefined;
  const generic = scenarios as unknown as Partial<Generic>;
  if (!eso || 'status' in eso || !eso.defaults || !eso.tuned || !generic.b1 || !generic.b2) return undefined;
  const b2 = generic.b2;
  const interval = 'status' in b2 ? null : durationSeconds(b2.refreshInterval);
  const outlasted = (run: EsoRun) => interval !== null && (run.b1.seconds ?? run.b1.waitedSeconds) > interval;
  return {
    lockstep: lockstepSide(generic as Generic),
    defaults: esoSide(eso.defaults),
    tuned: esoSide(eso.tuned),
    refreshedDuringB1: { defaults: outlasted(eso.defaults), tuned: outlasted(eso.tuned) },
    refreshIntervalSeconds: interval,
  };
}

function durationSeconds(d: string): number | null {
  const m = /^(\d+)(s|m|h)$/.exec(d);
  if (!m) return null;
  return Number(m[1]) * ({ s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'] ?? 1);
}

const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : round(a / b, 3));

/** The side-by-side table for bench/README.md. */
export function comparisonTable(c: Comparison): string[] {
  const value = (s: Side, key: Figure) => {
    const v = s[key];
    if (v === null && key === 'b1Seconds' && s.b1LowerBound !== null) return `> ${s.b1LowerBound} (${s.b1Ready} Ready)`;
    return v === null ? 'not measured' : v.toLocaleString('en-US', { maximumFractionDigits: 2 });
  };
  const lines = [
    '| Figure | Lockstep | ESO defaults | ESO tuned | Lockstep / ESO defaults | Lockstep / ESO tuned |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const { key, label, unit } of ROWS) {
    const cells = [c.lockstep, c.defaults, c.tuned].map((s) => value(s, key));
    // ESO's B1 time when it did not finish is a lower bound, so the ratio is an upper bound.
    const esoValue = (s: Side) => (key === 'b1Seconds' ? (s.b1Seconds ?? s.b1LowerBound) : s[key]);
    const ratios = [c.defaults, c.tuned].map((s) => ratio(c.lockstep[key], esoValue(s)) ?? '');
    lines.push(`| ${label}${unit ? ` (${unit})` : ''} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`);
  }
  for (const [name, s] of [
    ['ESO defaults', c.defaults],
    ['ESO tuned', c.tuned],
  ] as const) {
    if (s.b1Restarts.length === 0) continue;
    const exits = new Map<string, number>();
    for (const r of s.b1Restarts) exits.set(r, (exits.get(r) ?? 0) + 1);
    const how = [...exits].map(([r, n]) => `${n} × ${r}`).join(', ');
    lines.push(
      '',
      `${name} exited ${s.b1Restarts.length} times during B1 (${how}) and was started again 10 s ` +
        'later each time, as the kubelet restarts a crashed pod; its B1 figures include the restarts.',
    );
  }
  return lines;
}

/** The issue's targets: B1 ≥ 5x faster than ESO's defaults and ahead of ESO tuned; ≤ ESO's calls and writes. */
export function comparisonChecks(scenarios: Record<string, unknown>): Check[] {
  const eso = scenarios.eso as EsoScenario | NotRun | undefined;
  if (!eso) return [];
  if ('status' in eso) return [info('vs ESO', 'ESO side by side', null, '', eso.reason)];
  const c = comparisonOf(scenarios);
  if (!c) {
    const why = scenarios.b1 ? 'an ESO run produced no figures' : "needs Lockstep's B1 in the same run (generic,eso)";
    return [info('vs ESO', 'ESO side by side', null, '', why)];
  }
  const checks: Check[] = [];
  for (const config of ['defaults', 'tuned'] as const) {
    const e = c[config];
    const name = `ESO ${config}`;
    const timeLimit = config === 'defaults' ? 0.2 : 1;
    checks.push(
      versus(
        `B1 time: Lockstep / ${name} (${config === 'defaults' ? '>= 5x faster' : 'ahead'})`,
        c.lockstep.b1Seconds,
        e.b1Seconds ?? e.b1LowerBound,
        timeLimit,
        's',
        e.b1Seconds === null ? `ESO: ${e.b1Ready} Ready when given up, the ratio is an upper bound` : undefined,
      ),
    );
    const partial =
      e.b1Seconds === null
        ? `B1 of ${name} did not complete: partial counts`
        : c.refreshedDuringB1[config]
          ? `B1 of ${name} outlasted refreshInterval (${c.refreshIntervalSeconds} s): its counts include refreshes`
          : undefined;
    const counts: [string, Figure][] = [
      ['B1 API writes', 'b1ApiWrites'],
      ['B1 provider calls', 'b1ProviderCalls'],
      ['B2 API writes', 'b2ApiWrites'],
      ['B2 provider calls', 'b2ProviderCalls'],
    ];
    for (const [label, key] of counts) {
      const check = versus(`${label}: Lockstep / ${name}`, c.lockstep[key], e[key], 1, '');
      if (partial && key.startsWith('b1')) Object.assign(check, { pass: null, note: partial });
      checks.push(check);
    }
  }
  return checks;
}

/** Lockstep's figure against ESO's: passes when lockstep / eso <= maxRatio. */
function versus(
  figure: string,
  lockstep: number | null,
  eso: number | null,
  maxRatio: number,
  unit: string,
  note?: string,
): Check {
  const r =
    lockstep === null || eso === null ? null : eso === 0 ? (lockstep === 0 ? 0 : null) : round(lockstep / eso, 3);
  const pass = lockstep === null || eso === null ? null : eso === 0 ? lockstep === 0 : lockstep <= maxRatio * eso;
  return {
    scenario: 'vs ESO',
    figure,
    value: lockstep,
    unit,
    target: `<= ${maxRatio === 1 ? '' : `${maxRatio} x `}ESO's ${eso === null ? 'not measured' : `${eso}${unit ? ` ${unit}` : ''}`}`,
    ratio: r,
    pass,
    ...(note ? { note } : {}),
  };
}
