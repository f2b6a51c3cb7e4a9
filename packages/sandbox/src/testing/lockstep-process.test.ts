import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type LockstepProcessOptions, type LogEntry, startLockstepProcess } from './lockstep-process.ts';

const FAKE = fileURLToPath(new URL('./fixtures/fake-lockstep.ts', import.meta.url));

describe('the lockstep process launcher', () => {
  let dir: string;
  let n = 0;
  const start = (opts: Partial<LockstepProcessOptions> = {}) =>
    startLockstepProcess({
      main: FAKE,
      kubeconfigPath: '/kubeconfig',
      controllerNamespace: 'lockstep-system',
      logFile: join(dir, `lockstep-${n++}.log`),
      ...opts,
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-process-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('learns its ports and controllers from the JSON log, is ready when /readyz answers, serves /metrics', async () => {
    const p = start();
    try {
      await p.ready();
      await p.started();
      assert.ok(p.pid);
      assert.ok((p.metricsPort() ?? 0) > 0 && (p.healthPort() ?? 0) > 0);
      assert.notEqual(p.metricsPort(), p.healthPort());
      assert.deepEqual(p.controllers(), ['ExternalSecret', 'VaultAuth']);
      assert.equal(await p.metrics(), 'fake_up 1\n');
      assert.equal(p.exit(), undefined);
      assert.equal(p.exitReason(), undefined);
    } finally {
      await p.stop();
    }
  });

  test('passes the kubeconfig, namespace, loopback listeners, flags, Node flags and environment to the binary', async () => {
    const seen: LogEntry[] = [];
    const p = start({
      args: ['--leader-elect'],
      nodeArgs: ['--max-old-space-size=256'],
      env: { FAKE_LOCKSTEP_ENV: 'from-the-caller' },
      onLine: (_line, entry) => {
        if (entry) seen.push(entry);
      },
    });
    await p.started();
    await p.stop();
    const argv = seen.find((e) => e.msg === 'argv');
    assert.deepEqual(argv?.argv, [
      '--kubeconfig',
      '/kubeconfig',
      '--controller-namespace',
      'lockstep-system',
      '--metrics-bind-address',
      '127.0.0.1:0',
      '--health-probe-bind-address',
      '127.0.0.1:0',
      '--leader-elect',
    ]);
    assert.deepEqual(argv?.execArgv, ['--max-old-space-size=256']);
    assert.equal(argv?.env, 'from-the-caller');
    assert.ok(
      seen.some((e) => e.msg === 'lockstep started'),
      'the line hook sees a line split across two writes',
    );
  });

  test('SIGTERM ends it gracefully; stdout and stderr are in the log file, error lines are kept apart', async () => {
    const p = start();
    await p.started();
    assert.deepEqual(await p.stop(), { code: 0, signal: null });
    assert.equal(p.exitReason(), 'code 0');
    assert.deepEqual(await p.exited(), { code: 0, signal: null });
    const log = await readFile(p.logFile, 'utf8');
    assert.match(log, /"msg":"metrics listening"/);
    assert.match(log, /a line on stderr/);
    assert.match(log, /"msg":"stopped"/, 'the log holds what the process wrote before it exited');
    assert.deepEqual(
      p.errorLines().map((l) => (JSON.parse(l) as LogEntry).msg),
      ['a reconcile failed'],
    );
  });

  test('a process that ignores SIGTERM is killed after the grace period', async () => {
    const p = start({ env: { FAKE_LOCKSTEP: 'ignore-sigterm' } });
    await p.ready();
    assert.deepEqual(await p.stop('SIGTERM', 200), { code: null, signal: 'SIGKILL' });
    assert.equal(p.exitReason(), 'signal SIGKILL');
  });

  test('kill() is a SIGKILL, as a crashed pod; stopping an exited process answers how it exited', async () => {
    const p = start();
    await p.ready();
    assert.deepEqual(await p.kill(), { code: null, signal: 'SIGKILL' });
    assert.deepEqual(await p.stop(), { code: null, signal: 'SIGKILL' });
  });

  test('ready() and started() reject, naming the exit and the log, when the process exits first', async () => {
    const p = start({ name: 'lockstep-a', env: { FAKE_LOCKSTEP: 'exit-early' } });
    await assert.rejects(p.ready(), (err: Error) => {
      assert.match(err.message, /^lockstep-a exited \(code 3\) before it was ready/);
      assert.ok(err.message.includes(p.logFile));
      return true;
    });
    await assert.rejects(p.started(), /lockstep-a exited \(code 3\) before it was started/);
    assert.deepEqual(await p.exited(), { code: 3, signal: null });
    await assert.rejects(p.metrics(), /lockstep-a has not opened its metrics port/);
  });
});
