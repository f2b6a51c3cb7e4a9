// Issue 12's OpenBao outage at bench scale (1,000 leases at `full`): the suite's own test file,
// run in its own sandbox once the bench's is stopped, so the figures come with the same
// invariants asserted (a failed invariant is reported, not hidden). The test writes its
// figures to LOCKSTEP_OUTAGE_FIGURES.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OutageFigures } from '@lockstep/vault-native/testing';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TEST_FILE = 'packages/vault-native/src/e2e/openbao-outage.fault.e2e.test.ts';
const GLOBAL_SETUP = 'packages/sandbox/src/testing/global-setup.ts';

export interface OutageBenchResult {
  leases: number;
  /** Every invariant of the test held (its assertions passed). */
  invariantsHeld: boolean;
  /** The failed assertions, when some did not hold. */
  failures: string[];
  figures: OutageFigures | null;
}

export async function runOutageBench(leases: number): Promise<OutageBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-outage-bench-'));
  const figuresFile = join(dir, 'figures.json');
  try {
    const { ok, output } = await runTest({
      LOCKSTEP_OUTAGE_N: String(leases),
      LOCKSTEP_OUTAGE_FIGURES: figuresFile,
      // One cluster is enough for one test file.
      LOCKSTEP_TEST_CLUSTERS: '1',
    });
    const figures = await readFile(figuresFile, 'utf8').then(
      (text) => JSON.parse(text) as OutageFigures,
      () => null,
    );
    const failures = ok
      ? []
      : output
          .split('\n')
          .filter((l) => /AssertionError|Error:|✖/.test(l))
          .slice(0, 10);
    return { leases, invariantsHeld: ok, failures, figures };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function runTest(env: Record<string, string>): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--test', '--test-timeout=900000', `--test-global-setup=${GLOBAL_SETUP}`, TEST_FILE],
      { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ ok: !err, output: `${stdout}\n${stderr}` }),
    );
  });
}
