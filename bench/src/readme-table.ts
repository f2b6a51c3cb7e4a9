// Regenerates the figures table of bench/README.md: one block per scale between markers,
// so a quick `small` run does not overwrite the latest `full` figures.

import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { comparisonOf, comparisonTable } from './eso-comparison.ts';
import type { GrowthResult } from './growth.ts';
import type { BenchResults, Check } from './results.ts';
import { mib } from './stats.ts';

export function renderBlock(results: BenchResults, resultsFile: string): string {
  const m = results.machine;
  const lines = [
    `Latest \`${results.scale}\` run: ${results.startedAt} ([${basename(resultsFile)}](results/${basename(resultsFile)})).`,
    `Machine: ${m.nproc} cores (${m.cpuModel}), ${mib(m.memoryBytes)} MiB memory, Node ${m.node}, ${m.kernel}; ` +
      `load average at start ${m.loadAverage.join(' / ')}. Controller concurrency ${results.controller.concurrency}` +
      `${results.controller.nodeArgs ? `, controller Node flags \`${results.controller.nodeArgs}\`` : ''}.`,
    '',
    '| Scenario | Figure | Value | Target | Ratio | Pass |',
    '| --- | --- | --- | --- | --- | --- |',
    ...results.checks.map(row),
  ];
  const eso = comparisonOf(results.scenarios);
  if (eso) {
    lines.push('', 'Lockstep and ESO side by side (same run, same data, same counters):', '', ...comparisonTable(eso));
  }
  const growth = results.scenarios.growth as GrowthResult | undefined;
  if (growth?.rows) lines.push('', ...growthTable(growth));
  if (results.problems.length > 0) {
    lines.push('', 'Problems in this run:', ...results.problems.map((p) => `- ${p}`));
  }
  return lines.join('\n');
}

/** B1 at each size, per ExternalSecret, with the exponent of cost ∝ n^k and the plot. */
export function growthTable(g: GrowthResult): string[] {
  const cell = (v: number | null, digits = 2) =>
    v === null ? 'n/a' : v.toLocaleString('en-US', { maximumFractionDigits: digits });
  const lines = [
    'How B1 grows (same fixtures scaled, a cold controller at each size):',
    '',
    '| ExternalSecrets | B1 time | per 1,000 | peak RSS | API requests / ES | provider calls / ES |',
    '| --- | --- | --- | --- | --- | --- |',
    ...g.rows.map(
      (r) =>
        `| ${cell(r.externalSecrets)} | ${cell(r.seconds)} s | ${cell(r.seconds === null ? null : (r.seconds * 1000) / r.externalSecrets)} s | ` +
        `${cell(r.peakRssMiB, 0)} MiB | ${cell(r.apiRequestsPerExternalSecret)} | ${cell(r.providerCallsPerExternalSecret)} |`,
    ),
    '',
    `Exponent k of cost ∝ n^k (1 is linear): ${g.exponents
      .map((e) => `${cell(e.from)} → ${cell(e.to)}: time ${cell(e.seconds)}, RSS ${cell(e.peakRssMiB)}`)
      .join('; ')}.`,
  ];
  if (g.plot) lines.push('', `![B1 growth](results/${basename(g.plot)})`);
  return lines;
}

function row(c: Check): string {
  const value = c.value === null ? 'not measured' : `${formatNumber(c.value)}${c.unit ? ` ${c.unit}` : ''}`;
  const pass = c.pass === null ? '' : c.pass ? 'yes' : '**no**';
  const figure = c.note ? `${c.figure} (${c.note})` : c.figure;
  return `| ${c.scenario} | ${figure} | ${value} | ${c.target} | ${c.ratio ?? ''} | ${pass} |`;
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

export async function updateReadme(path: string, results: BenchResults, resultsFile: string): Promise<void> {
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch {
    text = '# Benchmarks\n';
  }
  // Runs with extra Node flags get their own block: they never replace the default run's.
  const id = results.controller.nodeArgs ? `${results.scale}+${results.controller.nodeArgs}` : results.scale;
  const start = `<!-- bench:${id}:start -->`;
  const end = `<!-- bench:${id}:end -->`;
  const block = `${start}\n${renderBlock(results, resultsFile)}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  const next =
    i >= 0 && j > i
      ? `${text.slice(0, i)}${block}${text.slice(j + end.length)}`
      : `${text.trimEnd()}\n\n## Latest figures (\`${id}\`)\n\n${block}\n`;
  await writeFile(path, next);
}
