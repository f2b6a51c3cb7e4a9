#!/usr/bin/env node
// `make demo`: starts the sandbox, applies examples/demo, runs the real controller and
// shows a live table of what it keeps in lockstep (key names, never values) until
// Ctrl-C or --duration, then stops everything.

import { relative, resolve } from 'node:path';
import type { WriteStream } from 'node:tty';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { parseGoDuration } from '@lockstep/core';
import { ensureNamespace, type Sandbox, startSandbox } from '@lockstep/sandbox';
import { rowCollector } from './collect-rows.ts';
import { type ControllerProcess, controllerLogPath, startController } from './controller-process.ts';
import { applyManifests, loadDemoManifests } from './demo-manifests.ts';
import type { DemoRow } from './demo-row.ts';
import { type LiveOutput, snapshotOutput, terminalOutput } from './live-output.ts';
import { renderTable } from './render-table.ts';

const ROOT = process.env.LOCKSTEP_ROOT ?? fileURLToPath(new URL('../../../../', import.meta.url));
const CONTROLLER_NAMESPACE = 'lockstep-system';

const USAGE = `usage: node packages/controller/src/demo/demo.ts [options]

  --headless          print a snapshot every --interval instead of redrawing the terminal
                      (the default when stdout is not a terminal)
  --duration D        stop by itself after D (e.g. 60s, 5m); default: run until Ctrl-C
  --interval D        time between two frames (default 1s; 5s headless)
  --dir PATH          sandbox directory: kubeconfig, env, logs (default .sandbox/demo)
  --manifests PATH    manifests to apply (default examples/demo)`;

interface DemoOptions {
  headless: boolean;
  durationMs: number | undefined;
  intervalMs: number;
  dir: string;
  manifests: string;
}

function parseOptions(argv: string[]): DemoOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      headless: { type: 'boolean', default: false },
      duration: { type: 'string' },
      interval: { type: 'string' },
      dir: { type: 'string' },
      manifests: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const headless = values.headless || !process.stdout.isTTY;
  const durationMs = values.duration ? parseGoDuration(values.duration, '--duration') : undefined;
  const intervalMs = parseGoDuration(values.interval ?? (headless ? '5s' : '1s'), '--interval');
  if (intervalMs < 100) throw new Error('--interval must be at least 100ms');
  return {
    headless,
    durationMs,
    intervalMs,
    dir: values.dir ? resolve(values.dir) : resolve(ROOT, '.sandbox', 'demo'),
    manifests: values.manifests ? resolve(values.manifests) : resolve(ROOT, 'examples', 'demo'),
  };
}

async function main(): Promise<number> {
  let opts: DemoOptions | 'help';
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (opts === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  // Ctrl-C at any point, even while the peers start, ends in the same cleanup.
  let stopSignal: NodeJS.Signals | undefined;
  let wake: () => void = () => {};
  const onSignal = (signal: NodeJS.Signals) => {
    stopSignal ??= signal;
    wake();
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);

  const show = (p: string) => relative(process.cwd(), p) || '.';
  say(`starting the sandbox in ${show(opts.dir)} (Kubernetes API, OpenBao, PostgreSQL, moto, webhook server) ...`);
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({ dir: opts.dir });
  } catch (err) {
    if (stopSignal) return 0;
    process.stderr.write(`\nthe sandbox could not start:\n${(err as Error).message}\n`);
    return 1;
  }

  let controller: ControllerProcess | undefined;
  try {
    if (stopSignal) return 0;
    const env = sandbox.env();
    const kubeconfigPath = sandbox.kubeconfigPath ?? '';
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    await ensureNamespace(kc, CONTROLLER_NAMESPACE);
    const objects = await loadDemoManifests(opts.manifests, {
      OPENBAO_ADDR: sandbox.openBao?.addr ?? '',
      WEBHOOK_URL: sandbox.webhook?.url ?? '',
      // The webhook store's own credential, put into a labelled Secret as a user would.
      WEBHOOK_TOKEN: sandbox.webhook?.token ?? '',
      WEBHOOK_CA_BUNDLE: Buffer.from(sandbox.webhook?.caPem ?? '').toString('base64'),
    });
    say(`applying ${objects.length} objects from ${show(opts.manifests)} ...`);
    await applyManifests(kc, objects);

    const logFile = controllerLogPath(opts.dir);
    say(`starting the controller (log: ${show(logFile)}) ...`);
    const aws = env.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? '';
    // Only the AWS endpoints and region: the controller gets no root token or password of the sandbox.
    controller = startController({
      kubeconfigPath,
      controllerNamespace: CONTROLLER_NAMESPACE,
      logFile,
      env: {
        AWS_ENDPOINT_URL_SECRETS_MANAGER: aws,
        AWS_ENDPOINT_URL_SSM: env.AWS_ENDPOINT_URL_SSM ?? aws,
        AWS_ENDPOINT_URL_STS: aws,
        AWS_REGION: env.AWS_REGION ?? '',
      },
    });

    const collector = rowCollector(kc);
    const startedAt = new Date();
    const deadline = opts.durationMs === undefined ? undefined : startedAt.getTime() + opts.durationMs;
    const out: LiveOutput =
      opts.headless || !process.stdout.isTTY
        ? snapshotOutput(process.stdout, startedAt)
        : terminalOutput(process.stdout as WriteStream);
    const header = {
      apiServer: sandbox.apiServer?.url ?? '',
      kubeconfig: show(kubeconfigPath),
      logFile: show(logFile),
      headless: opts.headless,
    };
    const running = controller;
    let stopping = false;

    const frame = async (): Promise<string> => {
      const now = new Date();
      let rows: DemoRow[] = [];
      let problem: string | undefined;
      try {
        rows = await collector.collect(running.servedKinds());
      } catch (err) {
        problem = `could not read resources: ${(err as Error).message}`;
      }
      const width = opts.headless ? undefined : process.stdout.columns;
      return `${headerText(header, running, stopping, now, startedAt, problem)}\n${renderTable(rows, now, {
        width,
        color: !opts.headless,
      })}`;
    };

    // A controller that exits before anyone asked it to has crashed; on Ctrl-C in a terminal
    // it gets the SIGINT too, and its exit then is the graceful shutdown.
    let crashed: string | undefined;
    while (!stopSignal) {
      crashed ??= running.exitReason();
      const now = Date.now();
      if (deadline !== undefined && now >= deadline) break;
      out.frame(await frame(), new Date());
      const waitMs = Math.min(opts.intervalMs, deadline === undefined ? opts.intervalMs : deadline - Date.now());
      await new Promise<void>((resolveWait) => {
        const timer = setTimeout(resolveWait, Math.max(0, waitMs));
        wake = () => {
          clearTimeout(timer);
          resolveWait();
        };
      });
    }
    if (!stopSignal) crashed ??= running.exitReason();
    stopping = true;
    out.finish(await frame(), new Date());
    say(`\n${stopSignal ?? 'time is up'}: stopping the controller and the sandbox ...`);
    if (crashed) {
      process.stderr.write(`the controller exited early (${crashed}): see ${show(logFile)}\n`);
      return 1;
    }
    return 0;
  } catch (err) {
    process.stderr.write(`\nthe demo failed: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await controller?.stop();
    await sandbox.stop();
    say('stopped');
  }
}

interface HeaderFacts {
  apiServer: string;
  kubeconfig: string;
  logFile: string;
  headless: boolean;
}

function headerText(
  h: HeaderFacts,
  controller: ControllerProcess,
  stopping: boolean,
  now: Date,
  startedAt: Date,
  problem?: string,
): string {
  const served = controller.servedKinds();
  const exit = controller.exitReason();
  const state = stopping
    ? 'stopping'
    : exit
      ? `EXITED (${exit}), see ${h.logFile}`
      : served
        ? `running, reconciles ${[...served].join(', ')}`
        : 'starting';
  const metrics = controller.metricsPort();
  const lines = [
    `Lockstep demo   ${now.toLocaleTimeString()}   up ${Math.round((now.getTime() - startedAt.getTime()) / 1000)}s${
      h.headless ? '' : '   Ctrl-C to stop'
    }`,
    `controller: ${state}${metrics ? `   metrics: http://127.0.0.1:${metrics}/metrics` : ''}`,
    `kubectl:    KUBECONFIG=${h.kubeconfig} kubectl get lockstep -A   (API server ${h.apiServer}, log ${h.logFile})`,
  ];
  if (problem) lines.push(problem);
  return `${lines.join('\n')}\n`;
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

// Exit explicitly: keep-alive sockets to the stopped API server must not hold the process.
process.exit(await main());
