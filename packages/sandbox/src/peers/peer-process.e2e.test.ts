import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { withFreePort } from './free-port.ts';
import { startMoto } from './moto.ts';
import { startOpenBao } from './openbao.ts';
import { startPeerProcess } from './peer-process.ts';
import { PeerStartError } from './peer-start-error.ts';
import { startPostgres } from './postgres.ts';

let logDir: string;
before(async () => {
  logDir = await mkdtemp(join(tmpdir(), 'lockstep-peer-test-'));
});
after(async () => {
  await rm(logDir, { recursive: true, force: true });
});

// A killed orphan may linger as a zombie until init reaps it: that counts as dead.
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntilDead(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
  return !alive(pid);
}

describe('a peer that cannot start fails loudly', () => {
  it('rejects OpenBao with a bogus binary, naming the peer and the command', async () => {
    await assert.rejects(startOpenBao({ logDir, binary: '/nonexistent/bao' }), (err: Error) => {
      assert.ok(err instanceof PeerStartError);
      assert.match(err.message, /^OpenBao could not start/);
      assert.match(err.message, /\/nonexistent\/bao server -dev/);
      return true;
    });
  });

  it('rejects moto with a bogus binary, naming the peer', async () => {
    await assert.rejects(startMoto({ logDir, binary: '/nonexistent/moto_server' }), /moto could not start/);
  });

  it('rejects PostgreSQL with a bogus install, naming the peer and initdb', async () => {
    await assert.rejects(
      startPostgres({ logDir, binDir: '/nonexistent/postgresql/bin' }),
      /PostgreSQL could not start: .*\n {2}command: \/nonexistent\/postgresql\/bin\/initdb/,
    );
  });

  it('shows the last lines of the log of a peer that exits early, without its secrets', async () => {
    const logFile = join(logDir, 'early-exit.log');
    await assert.rejects(
      startPeerProcess({
        peer: 'Example',
        command: 'sh',
        args: ['-c', 'echo "token s3cr3t-value rejected" >&2; echo "fatal: bad config" >&2; exit 3'],
        logFile,
        redact: ['s3cr3t-value'],
        ready: async () => false,
      }),
      (err: Error) => {
        assert.match(err.message, /Example could not start: it exited \(code 3\) before it was ready/);
        assert.match(err.message, /fatal: bad config/);
        assert.match(err.message, /token \[redacted\] rejected/);
        assert.doesNotMatch(err.message, /s3cr3t-value/);
        return true;
      },
    );
  });

  it('stops a peer that is not ready by its deadline', async () => {
    const pidFile = join(logDir, 'slow.pid');
    await assert.rejects(
      startPeerProcess({
        peer: 'Slow',
        command: 'sh',
        args: ['-c', `echo $$ > ${pidFile}; exec sleep 300`],
        logFile: join(logDir, 'slow.log'),
        deadlineMs: 300,
        ready: async () => false,
      }),
      /Slow could not start: it was not ready within 0 s/,
    );
    const pid = Number(await readFile(pidFile, 'utf8'));
    assert.ok(await waitUntilDead(pid), 'the slow peer is still running');
  });
});

describe('peer processes do not outlive their owner', { concurrency: true }, () => {
  it('stop() ends the peer process', async () => {
    const peer = await startPeerProcess({
      peer: 'sleeper',
      command: 'sleep',
      args: ['300'],
      logFile: join(logDir, 'sleeper.log'),
      ready: async () => true,
    });
    assert.ok(alive(peer.pid));
    await peer.stop();
    assert.equal(alive(peer.pid), false);
  });

  for (const how of ['exit', 'SIGTERM', 'SIGINT'] as const) {
    it(`kills the peer when the parent process ends by ${how}`, async () => {
      const fixture = new URL('../testing/fixtures/orphaned-peer.ts', import.meta.url).pathname;
      const parent = spawn(process.execPath, [fixture, how, join(logDir, `orphan-${how}.log`)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const pid = await new Promise<number>((resolve, reject) => {
        parent.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
        parent.once('exit', (code) => reject(new Error(`fixture exited early with ${code}`)));
      });
      // A parent that exits by itself may already be gone (with its peer) by now.
      if (how !== 'exit') {
        assert.ok(alive(pid));
        parent.kill(how);
      }
      const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
        parent.exitCode !== null || parent.signalCode !== null
          ? resolve([parent.exitCode, parent.signalCode])
          : parent.once('exit', (c, s) => resolve([c, s])),
      );
      assert.ok(await waitUntilDead(pid), 'the peer outlived its parent');
      // The signal keeps its default meaning for the parent: it terminates.
      if (how !== 'exit') assert.equal(signal, how, `parent exited with code ${code}`);
    });
  }
});

describe('free ports', () => {
  it('retries with another port when the peer finds its port taken', async () => {
    const ports: number[] = [];
    const result = await withFreePort(async (port) => {
      ports.push(port);
      if (ports.length === 1) throw new PeerStartError('Example', 'taken', 'listen tcp: bind: address already in use');
      return port;
    });
    assert.equal(ports.length, 2);
    assert.equal(result, ports[1]);
  });

  it('does not retry other start failures', async () => {
    let calls = 0;
    await assert.rejects(
      withFreePort(async () => {
        calls++;
        throw new PeerStartError('Example', 'broken', 'fatal: bad config');
      }),
      /broken/,
    );
    assert.equal(calls, 1);
  });
});
