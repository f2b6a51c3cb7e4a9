// How B1's cost grows with the number of ExternalSecrets (issue 15 item 4): the same
// fixtures scaled to each size (providers, distinct keys and namespaces in B1's proportions),
// a cold controller each time, the cluster emptied between sizes. Per-ExternalSecret figures
// and the exponent k of cost ∝ n^k between neighbouring sizes say whether growth is linear.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LOCKSTEP_GROUP } from './generic-fixtures.ts';
import { type GenericContext, runGenericScenarios } from './generic-scenarios.ts';
import { type GrowthRow, renderGrowthPng } from './growth-plot.ts';
import { type Scale, totalExternalSecrets } from './scale.ts';
import { round } from './stats.ts';

/** B1's figures the growth table reads (a subset of runGenericScenarios' b1). */
export interface B1Figures {
  externalSecrets: number;
  seconds: number | null;
  ready: number;
  controller: { peakRssMiB: number | null; cpuSeconds: number };
  api: { writeTotal: number; readTotal: number };
  motoRequests: number;
  openBaoKvReads: number;
}

export interface GrowthResult {
  rows: GrowthRow[];
  /** k in cost ∝ n^k from each size to the next (1: linear). */
  exponents: Array<{ from: number; to: number; seconds: number | null; peakRssMiB: number | null }>;
  plot: string | null;
}

/** B1's fixtures at `total` ExternalSecrets, every proportion of the base scale kept. */
export function scaledTo(base: Scale, total: number): Scale {
  const r = total / totalExternalSecrets(base);
  const part = (p: Scale['aws']) => {
    const externalSecrets = Math.round(p.externalSecrets * r);
    return { externalSecrets, distinct: Math.max(1, Math.round(p.distinct * r)) };
  };
  const aws = part(base.aws);
  const vault = part(base.vault);
  // The rounding remainder goes to the fake provider, so the total is exact.
  const fakeCount = total - aws.externalSecrets - vault.externalSecrets;
  const fake = { externalSecrets: fakeCount, distinct: Math.max(1, Math.round(base.fake.distinct * r)) };
  return {
    ...base,
    namespaces: Math.max(1, Math.round(base.namespaces * r)),
    aws,
    vault,
    fake,
    phaseTimeoutMs: Math.max(base.phaseTimeoutMs, Math.ceil(base.phaseTimeoutMs * r)),
  };
}

/**
 * The heap a run of `ratio` × B1's ExternalSecrets gets: B1's, scaled up with the count (never
 * down), as an operator raises the chart's memory limit with the cluster. B1's heap alone holds
 * about 20,000 (50,000 ran out of it at 20,345 Ready).
 */
export function growthHeap(baseMiB: number, ratio: number): Record<string, string> {
  if (!baseMiB) return {};
  return { LOCKSTEP_HEAP_SIZE_MIB: String(Math.max(baseMiB, Math.ceil(baseMiB * ratio))) };
}

export function growthRow(b1: B1Figures): GrowthRow {
  const n = b1.externalSecrets;
  const per = (x: number) => round(x / n, 3);
  return {
    externalSecrets: n,
    seconds: b1.ready === n ? b1.seconds : null,
    peakRssMiB: b1.controller.peakRssMiB,
    apiRequestsPerExternalSecret: per(b1.api.writeTotal + b1.api.readTotal),
    providerCallsPerExternalSecret: per(b1.motoRequests + b1.openBaoKvReads),
  };
}

export function growthExponents(rows: readonly GrowthRow[]): GrowthResult['exponents'] {
  const k = (a: number | null, b: number | null, na: number, nb: number) =>
    a && b ? round(Math.log(b / a) / Math.log(nb / na), 2) : null;
  const sorted = [...rows].sort((a, b) => a.externalSecrets - b.externalSecrets);
  return sorted.slice(1).map((to, i) => {
    const from = sorted[i] as GrowthRow;
    const [na, nb] = [from.externalSecrets, to.externalSecrets];
    return {
      from: na,
      to: nb,
      seconds: k(from.seconds, to.seconds, na, nb),
      peakRssMiB: k(from.peakRssMiB, to.peakRssMiB, na, nb),
    };
  });
}

export interface GrowthContext extends Omit<GenericContext, 'scale' | 'b1Only' | 'cacheHeap' | 'startController'> {
  /** A cold controller for a run of `externalSecrets` (its heap sized for them, as a chart value would). */
  startController(externalSecrets: number): ReturnType<GenericContext['startController']>;
  base: Scale;
  sizes: readonly number[];
  /** B1 of this run, when it measured one of the sizes: not measured twice. */
  measured?: B1Figures;
  removeNamespaces(names: string[]): Promise<void>;
  namespaceName(i: number): string;
  /** Where the PNG goes (bench/results/…png); undefined: no plot. */
  plotPath: string | undefined;
}

export async function runGrowth(ctx: GrowthContext): Promise<GrowthResult & { problems: string[] }> {
  const rows: GrowthRow[] = [];
  const problems: string[] = [];
  for (const size of ctx.sizes) {
    if (ctx.measured?.externalSecrets === size) {
      rows.push(growthRow(ctx.measured));
      continue;
    }
    const scale = scaledTo(ctx.base, size);
    ctx.log(`growth: B1 at ${size} ExternalSecrets in ${scale.namespaces} namespaces`);
    // The fake store lists its keys, sized to the scale; the fixtures only create what is missing.
    await ctx.kube.delete(`${LOCKSTEP_GROUP.path}/clustersecretstores/bench-fake`);
    try {
      const run = await runGenericScenarios({
        ...ctx,
        scale,
        b1Only: true,
        startController: () => ctx.startController(size),
      });
      rows.push(growthRow(run.b1));
      problems.push(...run.problems.map((p) => `growth ${size}: ${p}`));
    } catch (err) {
      problems.push(`growth ${size}: ${(err as Error).message}`);
    } finally {
      // The next size (and ESO's run) must start on an empty cluster whatever happened here.
      await ctx.removeNamespaces(Array.from({ length: scale.namespaces }, (_, i) => ctx.namespaceName(i)));
    }
  }
  rows.sort((a, b) => a.externalSecrets - b.externalSecrets);
  let plot: string | null = null;
  if (ctx.plotPath && rows.length > 1) {
    await mkdir(dirname(ctx.plotPath), { recursive: true });
    await writeFile(ctx.plotPath, await renderGrowthPng(rows));
    plot = ctx.plotPath;
  }
  return { rows, exponents: growthExponents(rows), plot, problems };
}
