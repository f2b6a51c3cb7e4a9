// The `lockstep` process (started by main.ts once the heap is sized): one process runs the
// generic pipeline and the Vault-native engine.
// Composition only: flags → clients → models → leader election → endpoints → shutdown.

import { getHeapStatistics } from 'node:v8';
import { createLogger, createMetrics, describeUnexpected, realClock } from '@lockstep/core';
import { createClients } from './clients.ts';
import { serveEndpoints } from './endpoints.ts';
import { readFlags } from './flags.ts';
import { HEAP_SIZED_ENV } from './heap-limit.ts';
import { leaderElector } from './leadership.ts';
import { ModelRunner } from './model-runner.ts';
import { createModels } from './models.ts';
import { surviveStrayRejections, terminationSignal } from './process-events.ts';

export async function runController(): Promise<number> {
  const flags = readFlags(process.argv.slice(2), process.env);
  if (typeof flags === 'number') return flags;
  const log = createLogger({ level: flags.logLevel, name: 'lockstep' });
  log.info(
    {
      heapLimitMiB: Math.round(getHeapStatistics().heap_size_limit / 1024 / 1024),
      sizedFrom: process.env[HEAP_SIZED_ENV] !== undefined ? 'memory limit or LOCKSTEP_HEAP_SIZE_MIB' : 'Node defaults',
    },
    'V8 heap limit',
  );
  const metrics = createMetrics({ clock: realClock });
  surviveStrayRejections(log, metrics);

  const clients = await createClients(flags, log, metrics);
  const models = createModels(flags, clients);
  const runner = new ModelRunner(clients.deps.managedSecrets, models, log);
  let shuttingDown = false;
  // Not awaited: the caches may take long to sync (API server down), and a SIGTERM meanwhile must still shut down cleanly.
  const startModels = () => {
    runner.start().catch((err: Error) => {
      log.fatal({ err }, 'cannot start the controllers');
      process.exit(1);
    });
  };
  const elector = flags.leaderElect
    ? leaderElector(flags, { ...clients.deps, start: startModels, shuttingDown: () => shuttingDown })
    : undefined;
  const servers = await serveEndpoints(flags, log, {
    metrics,
    leaseSources: models.flatMap((m) => m.leaseSources),
    // A standby is ready: it can take over at once, and a rollout must not wait for it.
    ready: () => (elector !== undefined && !elector.isLeader()) || runner.hasSynced(),
  });
  if (elector) {
    void elector.run();
    log.info('waiting for the leader lease');
  } else {
    startModels();
  }

  // Graceful shutdown: stop taking work, let in-flight reconciles finish, revoke nothing.
  const signal = await terminationSignal();
  shuttingDown = true;
  log.info({ signal }, 'shutting down');
  try {
    const unfinished = await runner.stop(flags.shutdownTimeoutMs);
    clients.vault.stop();
    await elector?.release();
    for (const s of servers) s.close();
    if (unfinished.length) log.warn({ unfinished }, 'deadline reached with reconciles in flight');
    return 0;
  } catch (err) {
    log.error({ error: describeUnexpected(err) }, 'shutdown failed');
    return 1;
  }
}
