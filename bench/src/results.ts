// The results file of one run (bench/results/<timestamp>.json) and the checks of the issue's
// targets. A scenario that could not run says so with a reason; no figure is ever invented.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MachineInfo } from './machine.ts';

export interface NotRun {
  status: 'not-run';
  reason: string;
}

export interface Check {
  scenario: string;
  figure: string;
  value: number | null;
  unit: string;
  /** Human text of the target, e.g. "<= 60". */
  target: string;
  /** value / limit for upper bounds (<= 1 passes); null when there is no numeric limit. */
  ratio: number | null;
  pass: boolean | null;
  note?: string;
}

export interface BenchResults {
  schema: 1;
  startedAt: string;
  finishedAt: string;
  scale: string;
  machine: MachineInfo;
  controller: { concurrency: number; cpuProfile: string | null; nodeArgs: string | null; heapSizeMiB?: number | null };
  scenarios: Record<string, unknown>;
  checks: Check[];
  /** What went wrong in the run itself (a phase timed out, a peer failed). */
  problems: string[];
}

/** A check of `value <= limit`. */
export function atMost(
  scenario: string,
  figure: string,
  value: number | null | undefined,
  limit: number,
  unit: string,
  note?: string,
): Check {
  const v = value ?? null;
  return {
    scenario,
    figure,
    value: v,
    unit,
    target: `<= ${limit}`,
    ratio: v === null ? null : limit === 0 ? (v === 0 ? 0 : null) : Math.round((v / limit) * 1000) / 1000,
    pass: v === null ? null : v <= limit,
    ...(note ? { note } : {}),
  };
}

/** A target that could not be measured because the phase never completed: a miss, not a blank. */
export function incomplete(scenario: string, figure: string, target: string, note: string): Check {
  return { scenario, figure, value: null, unit: '', target, ratio: null, pass: false, note };
}

/** A figure without a target (shown in the table for context). */
export function info(scenario: string, figure: string, value: number | null | undefined, unit: string, note?: string) {
  return {
    scenario,
    figure,
    value: value ?? null,
    unit,
    target: '',
    ratio: null,
    pass: null,
    ...(note ? { note } : {}),
  } satisfies Check;
}

export function fileStamp(iso: string): string {
  return iso.replace(/[:.]/g, '-');
}

export async function writeResults(dir: string, results: BenchResults): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${fileStamp(results.startedAt)}.json`);
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
  return path;
}
