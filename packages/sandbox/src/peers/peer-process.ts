import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PeerStartError } from './peer-start-error.ts';

export interface PeerCommand {
  /** Human name used in errors: "OpenBao", "PostgreSQL", "moto". */
  peer: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** stdout and stderr are appended here, never to the parent's output. */
  logFile: string;
  uid?: number;
  gid?: number;
  /** Values scrubbed from error messages (tokens, passwords). */
  redact?: string[];
  deadlineMs?: number;
}

export interface PeerProcessOptions extends PeerCommand {
  /** Resolves true once the peer answers; errors count as "not yet". */
  ready: () => Promise<boolean>;
  /** PostgreSQL wants SIGINT (fast shutdown); the others stop on SIGTERM. */
  stopSignal?: NodeJS.Signals;
}

export interface PeerProcess {
  readonly pid: number;
  readonly logFile: string;
  stop(): Promise<void>;
}

export const DEFAULT_DEADLINE_MS = 60_000;
const STOP_GRACE_MS = 10_000;
// Waits use unref'd timers: a pending deadline must not keep the parent alive after the peer is gone.

/** Starts a long-running peer and waits until `ready()` says yes, or fails loudly. */
export async function startPeerProcess(opts: PeerProcessOptions): Promise<PeerProcess> {
  const deadlineMs = opts.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const stopSignal = opts.stopSignal ?? 'SIGTERM';
  const child = spawnLogged(opts);
  const state = watch(child);
  track(child, stopSignal);

  const stop = async (): Promise<void> => {
    if (state.exited) return;
    child.kill(stopSignal);
    const exited = await Promise.race([state.exit, sleep(STOP_GRACE_MS, false, { ref: false })]);
    if (!exited) {
      child.kill('SIGKILL');
      await state.exit;
    }
  };

  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (state.error) throw await startError(opts, `could not run it: ${state.error.message}`);
    if (state.exited) throw await startError(opts, `it exited (${state.exitReason}) before it was ready`);
    if (await opts.ready().catch(() => false)) break;
    if (Date.now() > deadline) {
      await stop();
      throw await startError(opts, `it was not ready within ${Math.round(deadlineMs / 1000)} s`);
    }
    await Promise.race([sleep(100, true, { ref: false }), state.exit]);
  }
  return { pid: child.pid ?? -1, logFile: opts.logFile, stop };
}

/** Runs a one-shot setup command (e.g. initdb) to completion, or fails loudly. */
export async function runPeerCommand(opts: PeerCommand): Promise<void> {
  const deadlineMs = opts.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const child = spawnLogged(opts);
  const state = watch(child);
  track(child, 'SIGKILL');
  const finished = await Promise.race([state.exit, sleep(deadlineMs, false, { ref: false })]);
  if (!finished) {
    child.kill('SIGKILL');
    await state.exit;
    throw await startError(opts, `${opts.command} did not finish within ${Math.round(deadlineMs / 1000)} s`);
  }
  if (state.error) throw await startError(opts, `could not run it: ${state.error.message}`);
  if (state.exitReason !== 'code 0') throw await startError(opts, `${opts.command} failed (${state.exitReason})`);
}

function spawnLogged(opts: PeerCommand): ChildProcess {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const fd = openSync(opts.logFile, 'a', 0o600);
  try {
    return spawn(opts.command, opts.args, {
      stdio: ['ignore', fd, fd],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      uid: opts.uid,
      gid: opts.gid,
      detached: false,
    });
  } finally {
    closeSync(fd); // the child holds its own copy
  }
}

interface ChildState {
  exited: boolean;
  exitReason: string;
  error: Error | undefined;
  exit: Promise<true>;
}

function watch(child: ChildProcess): ChildState {
  const state: ChildState = { exited: false, exitReason: '', error: undefined, exit: Promise.resolve(true) };
  state.exit = new Promise((resolve) => {
    // 'error' without 'exit' happens when the binary cannot be spawned at all.
    child.once('error', (err) => {
      state.error = err;
      if (child.pid === undefined) {
        state.exited = true;
        state.exitReason = 'spawn failed';
        resolve(true);
      }
    });
    child.once('exit', (code, signal) => {
      state.exited = true;
      state.exitReason = signal ? `signal ${signal}` : `code ${code}`;
      resolve(true);
    });
  });
  return state;
}

async function startError(opts: PeerCommand, reason: string): Promise<PeerStartError> {
  const tail = await logTail(opts.logFile, 20);
  const scrub = (text: string) => (opts.redact ?? []).reduce((t, s) => (s ? t.split(s).join('[redacted]') : t), text);
  const message = [
    `${opts.peer} could not start: ${reason}`,
    `  command: ${[opts.command, ...opts.args].join(' ')}`,
    `  log: ${opts.logFile}`,
    tail ? `  last lines of the log:\n${tail.replace(/^/gm, '    | ')}` : '  the log is empty',
  ].join('\n');
  return new PeerStartError(opts.peer, scrub(message), tail);
}

export async function logTail(file: string, lines: number): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strip ANSI colours from peer logs
  const plain = text.replace(/\u001b\[[0-9;]*m/g, '');
  return plain.trimEnd().split('\n').slice(-lines).join('\n').trim();
}

// Children die with the parent: on exit (synchronous kill) and on SIGINT/SIGTERM/SIGHUP.
const live = new Map<ChildProcess, NodeJS.Signals>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function track(child: ChildProcess, stopSignal: NodeJS.Signals): void {
  if (live.size === 0) {
    process.on('exit', killAll);
    for (const signal of SIGNALS) process.on(signal, onSignal);
  }
  live.set(child, stopSignal);
  child.once('exit', () => untrack(child));
  child.once('error', () => {
    if (child.pid === undefined) untrack(child);
  });
}

function untrack(child: ChildProcess): void {
  if (!live.delete(child) || live.size > 0) return;
  process.removeListener('exit', killAll);
  for (const signal of SIGNALS) process.removeListener(signal, onSignal);
}

function killAll(): void {
  for (const [child, signal] of live) child.kill(signal);
}

function onSignal(signal: NodeJS.Signals): void {
  // Someone else handles the signal (the sandbox CLI, the demo): they stop the peers in order
  // (the controller first, etcd last), and the 'exit' hook kills whatever is left.
  if (process.listenerCount(signal) > 1) return;
  // Nobody does: keep the signal's default meaning, terminate, after the peers.
  killAll();
  process.removeListener(signal, onSignal);
  process.kill(process.pid, signal);
}
