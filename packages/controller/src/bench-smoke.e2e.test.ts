// Smoke test of `make bench` at a tiny scale: the harness starts its own peers and the real
// controller binary, and must write a results file with every scenario's figures. It checks
// structure and the one figure that is a correctness property (a refresh with nothing
// changed writes no Secret), never a timing.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

function runBench(outDir: string): Promise<{ stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', join(ROOT, 'bench/src/run-bench.ts'), '--scale', 'tiny', '--out', outDir, '--no-readme'],
      { cwd: ROOT, env: { ...process.env, BENCH_SCALE: 'tiny' }, maxBuffer: 16 * 1024 * 1024 },
      (err, _stdout, stderr) =>
        err ? reject(new Error(`bench failed: ${err.message}\n${stderr}`)) : resolve({ stderr }),
    );
  });
}

type Json = Record<string, unknown>;
const obj = (v: unknown, what: string): Json => {
  assert.equal(typeof v, 'object', `${what} is an object`);
  assert.notEqual(v, null, `${what} is present`);
  return v as Json;
};

describe('make bench', { timeout: 300_000 }, () => {
  it('writes a results file with the machine, every scenario and the checks; steady refreshes write no Secret and a restart re-issues no lease', async () => {
    const out = await mkdtemp(join(tmpdir(), 'bench-smoke-'));
    try {
      await runBench(out);
      const files = (await readdir(out)).filter((f) => f.endsWith('.json'));
      assert.equal(files.length, 1, 'one results file');
      const results = JSON.parse(await readFile(join(out, files[0] as string), 'utf8')) as Json;

      assert.equal(results.scale, 'tiny');
      const machine = obj(results.machine, 'machine');
      for (const field of ['nproc', 'cpuModel', 'memoryBytes', 'node']) assert.ok(field in machine, `machine.${field}`);

      const scenarios = obj(results.scenarios, 'scenarios');
      const raw = obj(scenarios.rawBaseline, 'rawBaseline');
      for (const mode of ['client-node', 'keep-alive']) {
        assert.equal(typeof obj(raw[mode], `raw ${mode}`).writesPerSecond, 'number', `${mode} baseline`);
      }

      const b1 = obj(scenarios.b1, 'b1');
      assert.equal(b1.ready, b1.externalSecrets, 'every ExternalSecret became Ready');
      assert.equal(typeof b1.seconds, 'number');
      const b1Calls = obj(obj(b1.providerCalls, 'b1.providerCalls').byProvider, 'byProvider');
      for (const provider of ['aws', 'vault', 'fake'])
        assert.ok((b1Calls[provider] as number) > 0, `${provider} calls`);
      const b1Controller = obj(b1.controller, 'b1.controller');
      assert.ok((b1Controller.peakRssMiB as number) > 0, 'peak RSS read from /proc');
      assert.ok((b1Controller.cpuSeconds as number) > 0, 'CPU seconds read from /proc');
      assert.ok(
        (obj(b1.api, 'b1.api').secretWrites as number) >= (b1.externalSecrets as number),
        'B1 wrote the Secrets',
      );

      const b2 = obj(scenarios.b2, 'b2');
      assert.equal(b2.refreshed, b1.externalSecrets, 'every ExternalSecret refreshed in B2');
      assert.equal(obj(b2.api, 'b2.api').secretWrites, 0, 'a refresh with nothing changed writes no Secret');

      const b3 = obj(scenarios.b3, 'b3');
      assert.equal(b3.updated, b3.affectedSecrets, 'every affected Secret got its new value');

      const b4 = obj(obj(scenarios.b4, 'b4').inProcess, 'b4.inProcess');
      const lateness = obj(obj(b4.realClock, 'realClock').latenessMs, 'latenessMs');
      assert.equal(typeof lateness.p99, 'number');
      assert.equal(typeof obj(b4.heap, 'heap').bytesPerLease, 'number', 'heap measured with --expose-gc');
      assert.equal(obj(b4.renewals, 'renewals').reissuesAfterRestart, 0);

      const b5 = obj(scenarios.b5, 'b5');
      const cold = obj(b5.cold, 'b5.cold');
      assert.equal(cold.ready, cold.staticSecrets, 'every VaultStaticSecret became Ready');
      assert.equal(obj(obj(b5.steady, 'b5.steady').api, 'b5.steady.api').secretWrites, 0, 'B5 refresh writes nothing');
      const real = obj(obj(scenarios.b4, 'b4').real, 'b4.real');
      assert.equal(real.renewedTwice, real.dynamicSecrets, 'every lease renewed twice');
      assert.equal(real.reissuesAfterRestart, 0, 'a restart re-issues nothing');

      const checks = results.checks as Json[];
      assert.ok(Array.isArray(checks) && checks.length > 0, 'checks listed');
      for (const c of checks) for (const f of ['scenario', 'figure', 'value', 'target', 'pass']) assert.ok(f in c, f);
      assert.deepEqual(results.problems, [], 'no phase timed out');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
