// `make bench`: starts the sandbox peers, runs the raw API baseline, B4 (lease engine, in
// its own process), B1-B3 against the controller process, ESO's controller on the same data
// (B1, B2), then B4-real and B5 when the Vault-native kinds are served; writes
// bench/results/<timestamp>.json and the README table.
//
// Usage: node --expose-gc bench/src/run-bench.ts [--scale tiny|small|full] [--out DIR]
//        [--readme PATH | --no-readme] [--only raw,b4,generic,b1,growth,eso,vault,outage] | --render RESULTS.json
// Environment: BENCH_SCALE (default full), BENCH_CONCURRENCY (controller --concurrency,
// default 10 like the binary), BENCH_CPU_PROF=1 (V8 CPU profile of the controller).

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { applyCrds, openBaoApi, type Sandbox, startSandbox } from '@lockstep/sandbox';
import type { CacheHeapResult } from './cache-heap.ts';
import { checksOf } from './checks.ts';
import { startControllerChild } from './controller-child.ts';
import { type EsoBuild, esoBuild } from './eso-binary.ts';
import { runEsoScenarios } from './eso-scenarios.ts';
import { namespaceName } from './generic-fixtures.ts';
import { runGenericScenarios } from './generic-scenarios.ts';
import { type B1Figures, growthHeap, runGrowth } from './growth.ts';
import { KubeHttp } from './kube-http.ts';
import type { LeaseBenchResult } from './lease-engine-bench.ts';
import { machineInfo } from './machine.ts';
import { runOutageBench } from './outage-bench.ts';
import { updateReadme } from './readme-table.ts';
import { RequestCounter } from './request-counter.ts';
import { type BenchResults, fileStamp, type NotRun, writeResults } from './results.ts';
import { type Scale, scaleFrom, totalExternalSecrets } from './scale.ts';
import { round } from './stats.ts';
import { runVaultNativeScenarios } from './vault-native-scenarios.ts';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
const CACHE_HEAP = join(BENCH_DIR, 'src', 'cache-heap.ts');
const SCENARIOS = ['raw', 'b4', 'generic', 'b1', 'growth', 'eso', 'vault', 'outage'] as const;
type ScenarioName = (typeof SCENARIOS)[number];

export interface RunOptions {
  scale: Scale;
  outDir: string;
  readmePath: string | undefined;
  only: ReadonlySet<ScenarioName>;
  concurrency: number;
  cpuProfile: boolean;
  /** Extra Node flags for the controller process (BENCH_NODE_ARGS); such runs get their own README block. */
  nodeArgs: string[];
  /**
   * The controller's old space in MiB (BENCH_HEAP_MIB): by default what the chart's 512Mi memory
   * limit gives (half, docs/operations.md); 0 leaves Node's defaults.
   */
  heapSizeMiB: number;
  log: (message: string) => void;
}

export async function runBench(opts: RunOptions): Promise<{ results: BenchResults; file: string }> {
  const { scale, log } = opts;
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  const scenarios: Record<string, unknown> = {};
  const problems: string[] = [];
  log(`scale ${scale.name} on ${machine.nproc} cores, load ${machine.loadAverage.join(' ')}`);

  // B4 first and alone: its timings and heap figures want a quiet machine.
  if (opts.only.has('b4')) {
    log(`B4: ${scale.leases} leases on the LeaseScheduler (fake clock, real clock over ${scale.leaseSpreadMs} ms)`);
    const b4 = await runLeaseChild(scale);
    scenarios.b4 = { inProcess: b4 };
  }

  // Peers' logs and the controller's log go here (kept with LOCKSTEP_KEEP_SANDBOX=1).
  const runBase = process.env.LOCKSTEP_ROOT ? join(process.env.LOCKSTEP_ROOT, '.sandbox') : tmpdir();
  await mkdir(runBase, { recursive: true });
  const runDir = await mkdtemp(join(runBase, 'bench-'));
  let sandbox: Sandbox | undefined;
  // ESO is not run at `tiny` (the test suite's smoke run stays quick and needs no ESO build). Its
  // binary is built (or found in the cache) before the peers start; a failed build is reported.
  let eso: EsoBuild | undefined;
  if (opts.only.has('eso') && scale.esoPhaseTimeoutMs === 0) {
    scenarios.eso = { status: 'not-run', reason: `not at scale ${scale.name}` } satisfies NotRun;
  } else if (opts.only.has('eso')) {
    log('ESO: finding (or building, once) its controller binary');
    eso = await esoBuild().catch((err: unknown) => {
      const reason = (err as Error).message;
      problems.push(reason);
      scenarios.eso = { status: 'not-run', reason } satisfies NotRun;
      return undefined;
    });
  }
  const needsPeers =
    opts.only.has('raw') ||
    opts.only.has('generic') ||
    opts.only.has('b1') ||
    opts.only.has('growth') ||
    opts.only.has('vault') ||
    eso;
  try {
    if (needsPeers) {
      log(`starting the sandbox peers (API server, OpenBao, moto${opts.only.has('vault') ? ', PostgreSQL' : ''})`);
      sandbox = await startSandbox({
        dir: runDir,
        peers: opts.only.has('vault') ? ['apiserver', 'openbao', 'moto', 'postgres'] : ['apiserver', 'openbao', 'moto'],
        // B4-real renews the sandbox's database role `app`: a short TTL makes two cycles quick.
        openBaoSeed: { database: { dynamicRole: { defaultTtl: `${scale.dynamicTtlSeconds}s`, maxTtl: '24h' } } },
      });
      const api = sandbox.apiServer;
      const openBao = sandbox.openBao;
      const moto = sandbox.moto;
      if (!api || !openBao || !moto || !sandbox.kubeconfigPath) throw new Error('the sandbox lacks a peer');
      const kubeconfigPath = sandbox.kubeconfigPath;
      const kube = new KubeHttp({ url: api.url, caPem: api.caPem, token: api.adminToken });
      const requests = new RequestCounter(api.auditLog);
      // The controller's heap as a pod with the chart's memory limit gets it (LOCKSTEP_HEAP_SIZE_MIB).
      const env = {
        ...sandbox.env(),
        ...(opts.heapSizeMiB ? { LOCKSTEP_HEAP_SIZE_MIB: String(opts.heapSizeMiB) } : {}),
      };
      // What B1-B3 and ESO's run share: the peers and the counters that measure them.
      const measured = {
        scale,
        kube,
        bao: openBaoApi(openBao.addr, openBao.rootToken),
        motoEndpoint: moto.endpoint,
        motoLogFile: moto.logFile,
        requests,
        log,
      };

      if (opts.only.has('raw')) {
        await kube.ensure('/api/v1/namespaces', {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: 'bench-raw' },
        });
        const raw: Record<string, unknown> = {};
        for (const mode of ['client-node', 'keep-alive'] as const) {
          log(`raw baseline (${mode}): ${scale.rawCreates} Secret creates, ${opts.concurrency} at a time`);
          const r = await runJsonChild<RawClientResult>(
            [
              join(BENCH_DIR, 'src', 'raw-client.ts'),
              mode,
              String(scale.rawCreates),
              String(opts.concurrency),
              'bench-raw',
            ],
            { ...env, BENCH_API_URL: api.url, BENCH_API_CA: api.caPem, BENCH_API_TOKEN: api.adminToken },
          );
          const rate = round(r.creates / r.seconds, 1);
          raw[mode] = {
            ...r,
            seconds: round(r.seconds, 2),
            clientCpuSeconds: round(r.clientCpuSeconds, 2),
            writesPerSecond: rate,
          };
          log(`raw baseline (${mode}): ${rate} writes/s`);
        }
        scenarios.rawBaseline = raw;
      }

      if (opts.only.has('generic') || opts.only.has('b1')) {
        const cpuProfileDir = opts.cpuProfile ? join(BENCH_DIR, 'results', 'profiles') : undefined;
        if (cpuProfileDir) await mkdir(cpuProfileDir, { recursive: true });
        const generic = await runGenericScenarios({
          ...measured,
          b1Only: !opts.only.has('generic'),
          cacheHeap: async () => ({
            slim: await runJsonChild<CacheHeapResult>(['--expose-gc', CACHE_HEAP, kubeconfigPath, 'slim'], env),
            whole: await runJsonChild<CacheHeapResult>(['--expose-gc', CACHE_HEAP, kubeconfigPath, 'whole'], env),
          }),
          startController: () =>
            startControllerChild({
              kubeconfigPath,
              logFile: join(runDir, 'controller.log'),
              env,
              concurrency: opts.concurrency,
              ...(cpuProfileDir ? { cpuProfileDir } : {}),
              nodeArgs: opts.nodeArgs,
            }),
        });
        scenarios.b1 = generic.b1;
        scenarios.b2 = generic.b2;
        scenarios.b3 = generic.b3;
        scenarios.controller = generic.controller;
        problems.push(...generic.problems);
      }
      if (
        (opts.only.has('generic') || opts.only.has('b1')) &&
        (eso || opts.only.has('vault') || opts.only.has('growth'))
      ) {
        log('removing the B1-B3 namespaces so the next run starts on a clean cluster');
        await removeNamespaces(
          kube,
          Array.from({ length: scale.namespaces }, (_, i) => namespaceName(i)),
        );
      }
      // ESO right after B1-B3, on a cluster that held nothing bigger: the growth run's 50,000
      // objects and their deletion would weigh on ESO's figures.
      if (eso) {
        try {
          log(`ESO: applying its CRDs (${eso.crdDir})`);
          await applyCrds(await readFile(kubeconfigPath, 'utf8'), [eso.crdDir]);
          const result = await runEsoScenarios({
            ...measured,
            kubeconfigPath,
            build: eso,
            logDir: runDir,
            concurrency: opts.concurrency,
            removeNamespaces: (names) => removeNamespaces(kube, names),
          });
          scenarios.eso = result;
          problems.push(...result.problems);
        } catch (err) {
          const reason = `the ESO run failed: ${(err as Error).message}`;
          problems.push(reason);
          scenarios.eso = { status: 'not-run', reason } satisfies NotRun;
        }
      }
      if (opts.only.has('growth')) {
        try {
          const growth = await runGrowth({
            ...measured,
            base: scale,
            sizes: scale.growthSizes,
            ...(scenarios.b1 ? { measured: scenarios.b1 as B1Figures } : {}),
            removeNamespaces: (names) => removeNamespaces(kube, names),
            namespaceName,
            plotPath: join(opts.outDir, `growth-${fileStamp(startedAt)}.png`),
            startController: (externalSecrets) =>
              startControllerChild({
                kubeconfigPath,
                logFile: join(runDir, `controller-growth-${externalSecrets}.log`),
                env: { ...env, ...growthHeap(opts.heapSizeMiB, externalSecrets / totalExternalSecrets(scale)) },
                concurrency: opts.concurrency,
                nodeArgs: opts.nodeArgs,
              }),
          });
          scenarios.growth = { rows: growth.rows, exponents: growth.exponents, plot: growth.plot };
          problems.push(...growth.problems);
        } catch (err) {
          const reason = `the growth run failed: ${(err as Error).message}`;
          problems.push(reason);
          scenarios.growth = { status: 'not-run', reason } satisfies NotRun;
        }
      }
      if (opts.only.has('vault')) {
        try {
          const vault = await runVaultNativeScenarios({
            scale,
            kube,
            bao: openBaoApi(openBao.addr, openBao.rootToken),
            requests,
            database: { mount: 'database', role: 'app', ttlSeconds: scale.dynamicTtlSeconds },
            log,
            startController: () =>
              startControllerChild({
                kubeconfigPath,
                logFile: join(runDir, `controller-vault-${Date.now()}.log`),
                env,
                concurrency: opts.concurrency,
                args: ['--enable-vault-native'],
                nodeArgs: opts.nodeArgs,
              }),
          });
          scenarios.b5 = vault.b5;
          scenarios.b4 = { ...(scenarios.b4 as object | undefined), real: vault.b4Real };
          scenarios.vaultController = vault.controller;
          problems.push(...vault.problems);
        } catch (err) {
          const reason = `the Vault-native run failed: ${(err as Error).message}`;
          problems.push(reason);
          scenarios.b5 = { status: 'not-run', reason } satisfies NotRun;
        }
      }
      requests.stop();
      kube.close();
    }
  } finally {
    await sandbox?.stop();
    if (!process.env.LOCKSTEP_KEEP_SANDBOX) await rm(runDir, { recursive: true, force: true });
  }

  // Last and alone: it starts a sandbox of its own and stops OpenBao under the leases.
  if (opts.only.has('outage')) {
    if (scale.outageLeases === 0) {
      scenarios.outage = { status: 'not-run', reason: `not at scale ${scale.name}` } satisfies NotRun;
    } else {
      log(`OpenBao outage: ${scale.outageLeases} live dynamic leases, OpenBao stopped and started again`);
      scenarios.outage = await runOutageBench(scale.outageLeases);
    }
  }

  const results: BenchResults = {
    schema: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    scale: scale.name,
    machine,
    controller: {
      concurrency: opts.concurrency,
      cpuProfile: opts.cpuProfile ? 'bench/results/profiles' : null,
      nodeArgs: opts.nodeArgs.length > 0 ? opts.nodeArgs.join(' ') : null,
      heapSizeMiB: opts.heapSizeMiB || null,
    },
    scenarios,
    checks: checksOf(scenarios),
    problems,
  };
  const file = await writeResults(opts.outDir, results);
  if (opts.readmePath) await updateReadme(opts.readmePath, results, file);
  log(`results: ${file}`);
  return { results, file };
}

interface RawClientResult {
  mode: string;
  creates: number;
  concurrency: number;
  seconds: number;
  clientCpuSeconds: number;
  newConnections: number | null;
}

async function removeNamespaces(kube: KubeHttp, names: string[]): Promise<void> {
  for (const name of names) await kube.delete(`/api/v1/namespaces/${name}`);
  // The namespace controller empties them one by one: 500 namespaces of 100 objects take minutes.
  const deadline = Date.now() + 120_000 + names.length * 1_000;
  while (Date.now() < deadline) {
    const left = (await kube.list('/api/v1/namespaces')).items.filter((n) => names.includes(n.metadata?.name ?? ''));
    if (left.length === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${names.length} namespaces were not removed within ${120 + names.length} s`);
}

async function runLeaseChild(scale: Scale): Promise<LeaseBenchResult> {
  return runJsonChild<LeaseBenchResult>(
    [
      '--expose-gc',
      join(BENCH_DIR, 'src', 'lease-engine-bench.ts'),
      String(scale.leases),
      String(scale.leaseSpreadMs),
      String(scale.leases),
    ],
    {},
  );
}

/** Runs `node ARGS` and parses the last stdout line as JSON. */
function runJsonChild<T>(args: string[], env: Record<string, string>): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`${args.join(' ')} failed: ${err.message}\n${stderr}`));
          return;
        }
        const last = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve(JSON.parse(last) as T);
        } catch {
          reject(new Error(`${args.join(' ')} printed no JSON result:\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string' },
      out: { type: 'string' },
      readme: { type: 'string' },
      'no-readme': { type: 'boolean' },
      only: { type: 'string' },
      render: { type: 'string' },
    },
  });
  if (values.render) {
    // Recompute the checks of an existing results file and regenerate its README block.
    const file = values.render;
    const results = JSON.parse(await readFile(file, 'utf8')) as BenchResults;
    results.checks = checksOf(results.scenarios);
    await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
    if (!values['no-readme']) await updateReadme(values.readme ?? join(BENCH_DIR, 'README.md'), results, file);
    process.exit(0);
  }
  const only = (values.only ?? process.env.BENCH_ONLY ?? SCENARIOS.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of only) {
    if (!(SCENARIOS as readonly string[]).includes(s)) throw new Error(`--only: unknown scenario "${s}"`);
  }
  const { results } = await runBench({
    scale: scaleFrom(values.scale ?? process.env.BENCH_SCALE),
    outDir: values.out ?? join(BENCH_DIR, 'results'),
    readmePath: values['no-readme'] ? undefined : (values.readme ?? join(BENCH_DIR, 'README.md')),
    only: new Set(only as ScenarioName[]),
    concurrency: Number(process.env.BENCH_CONCURRENCY ?? 10),
    cpuProfile: process.env.BENCH_CPU_PROF === '1',
    nodeArgs: (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
    heapSizeMiB: Number(process.env.BENCH_HEAP_MIB ?? 512 / 2),
    log: (m) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`),
  });
  const failed = results.checks.filter((c) => c.pass === false);
  process.stderr.write(
    `${results.checks.filter((c) => c.pass === true).length} targets met, ${failed.length} missed` +
      `${failed.length ? `: ${failed.map((c) => `${c.scenario} ${c.figure}`).join('; ')}` : ''}\n`,
  );
  process.exit(0);
}
