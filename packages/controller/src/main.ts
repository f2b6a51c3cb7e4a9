#!/usr/bin/env node
// The `lockstep` binary: one process runs the generic pipeline and the Vault-native engine.
// With --leader-elect, every replica keeps its informers' HTTP endpoints up but only the
// leader starts reconciling (and logging in to Vault, and renewing leases).

import type { Server } from 'node:http';
import { KubeConfig, type V1Namespace, type V1Secret } from '@kubernetes/client-node';
import {
  type Controller,
  clientEventSink,
  clientRolloutRestarter,
  clientSecretApi,
  clientStatusPatcher,
  createEventRecorder,
  createKubeAccess,
  createLogger,
  createMetrics,
  describeUnexpected,
  loadOrCreateHmacKey,
  MANAGED_SELECTOR,
  PROMETHEUS_CONTENT_TYPE,
  ResourceInformer,
  realClock,
  reuseConnections,
  scopedInformer,
  systemRandom,
} from '@lockstep/core';
import { fakeGenerator, passwordGenerator, registerGenericProviders } from '@lockstep/generic';
import {
  LocalTokenCipher,
  registerVaultIntoPipeline,
  SecretTokenStore,
  StorageEncryptionCipher,
  TokenManager,
  vaultNativeControllers,
} from '@lockstep/vault-native';
import { parseBindAddress, parseFlags, USAGE } from './flags.ts';
import { genericPipeline } from './generic-pipeline.ts';
import { listen } from './http-endpoints.ts';
import { LEADER_LEASE_NAME, LeaderElector } from './leader/leader-elector.ts';
import { LeaseLock } from './leader/lease-lock.ts';
import { refreshLeaseGauges } from './lease-gauges.ts';
import { ObservedProviderRegistry } from './observed-registry.ts';

async function main(): Promise<number> {
  let flags: ReturnType<typeof parseFlags>;
  try {
    flags = parseFlags(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (flags === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const log = createLogger({ level: flags.logLevel, name: 'lockstep' });
  const kc = new KubeConfig();
  if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
  else kc.loadFromDefault();
  reuseConnections(kc);

  const clock = realClock;
  const random = systemRandom;
  const metrics = createMetrics({ clock });
  // A rejection nobody awaited is a bug, not a reason to stop serving every other tenant: log
  // where it came from (never its message, which may quote a value), count it, and go on.
  process.on('unhandledRejection', (reason) => {
    metrics.unexpectedErrors.add(1, { origin: 'unhandledRejection' });
    log.error({ error: describeUnexpected(reason) }, 'unhandled rejection (a bug): logged, counted and survived');
  });
  const secretApi = clientSecretApi(kc);
  const inControllerNamespace = (what: string) => (err: Error) => {
    throw new Error(
      `cannot read or create ${what} in namespace "${flags.controllerNamespace}" (--controller-namespace): ${err.message}`,
    );
  };
  const macKey = await loadOrCreateHmacKey(secretApi, flags.controllerNamespace).catch(
    inControllerNamespace('the HMAC key Secret'),
  );

  // One token manager and one client pool serve both models. Login tokens are kept encrypted in
  // the controller namespace, so a restarted controller keeps the leases bound to them alive.
  // A VaultAuth with spec.storageEncryption in the controller namespace switches sealing to its
  // transit key once the Vault-native engine runs (useTransit below); until then the local key.
  const cipher = new StorageEncryptionCipher(
    await LocalTokenCipher.loadOrCreate(secretApi, flags.controllerNamespace).catch(
      inControllerNamespace('the token encryption key Secret'),
    ),
  );
  const tokens = new TokenManager({
    clock,
    store: new SecretTokenStore({ api: secretApi, namespace: flags.controllerNamespace, cipher }),
    onEvent: (event) => {
      if (event.kind === 'renewed') metrics.tokenRenewals.add(1, { result: 'renewed' });
      if (event.kind === 'renewFailed') metrics.tokenRenewals.add(1, { result: 'failed' });
    },
  });
  // vault and fake clients do not count their own calls; the registry wraps them for /metrics.
  const registry = new ObservedProviderRegistry(
    (provider, operation, result) => metrics.providerRequests.add(1, { provider, operation, result }),
    ['vault', 'fake'],
  );
  registerGenericProviders(registry, {
    localKubeConfig: kc,
    allowClusterStoreAmbientCredentials: flags.allowClusterStoreAmbientCredentials,
    onCall: (provider, operation, result) => metrics.providerRequests.add(1, { provider, operation, result }),
  });
  registry.registerGenerator(passwordGenerator as never);
  registry.registerGenerator(fakeGenerator as never);
  const vault = registerVaultIntoPipeline(registry, {
    tokens,
    refuseInsecureTransport: flags.refuseInsecureTransport,
    // Every HTTP attempt to Vault of both models, retries included (docs/operations.md).
    clientOptions: {
      onAttempt: ({ method }, result) =>
        metrics.providerRequests.add(1, { provider: 'vault-http', operation: method, result }),
    },
  });

  const managedSecrets = scopedInformer<V1Secret>(
    {
      kubeConfig: kc,
      apiVersion: 'v1',
      kind: 'Secret',
      plural: 'secrets',
      labelSelector: MANAGED_SELECTOR,
      clock,
      log,
    },
    flags.namespaces,
  );
  const namespaces = new ResourceInformer<V1Namespace>({
    kubeConfig: kc,
    apiVersion: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    clock,
    log,
  });
  const shared = {
    kc,
    log,
    metrics,
    clock,
    random,
    kube: createKubeAccess(kc),
    secretApi,
    status: clientStatusPatcher(kc),
    events: createEventRecorder(clientEventSink(kc), clock),
    rollout: clientRolloutRestarter(kc),
    macKey,
    managedSecrets,
    reconcileTimeoutMs: flags.reconcileTimeoutMs,
  };
  const controllers: Controller[] = [];
  if (flags.enableGeneric) {
    controllers.push(
      ...genericPipeline({
        ...shared,
        registry,
        namespaces,
        concurrency: flags.concurrency,
        coalesceWindowMs: flags.coalesceWindowMs,
        watchNamespaces: flags.namespaces,
        controllerClass: flags.controllerClass,
      }),
    );
  }
  const engine = flags.enableVaultNative
    ? vaultNativeControllers({
        ...shared,
        controllerNamespace: flags.controllerNamespace,
        tokens,
        clients: vault.clients,
        concurrency: flags.concurrency,
        watchNamespaces: flags.namespaces,
        refuseInsecureTransport: flags.refuseInsecureTransport,
      })
    : undefined;
  if (engine) {
    controllers.push(...engine.controllers);
    cipher.useTransit(() => engine.storageEncryption.cipher());
  }
  for (const c of controllers) metrics.observeQueue(c.queue);

  const informers = [managedSecrets, namespaces, ...controllers.map((c) => c.informer)];
  const leaseSources = controllers
    .filter((c) => c.name === 'VaultDynamicSecret')
    .map((c) => ({ kind: c.name, list: () => c.informer.list() as readonly object[] }));
  let elector: LeaderElector | undefined;
  // A standby is ready: it can take over at once, and a rollout must not wait for it.
  const ready = () => (elector !== undefined && !elector.isLeader()) || informers.every((i) => i.hasSynced());
  const servers: Server[] = [];
  const metricsBind = parseBindAddress(flags.metricsBindAddress);
  const healthBind = parseBindAddress(flags.healthProbeBindAddress);
  if (metricsBind) {
    const m = await listen(metricsBind, {
      metrics: async () => {
        refreshLeaseGauges(metrics, leaseSources);
        return { contentType: PROMETHEUS_CONTENT_TYPE, body: await metrics.render() };
      },
    });
    log.info({ port: m.port }, 'metrics listening');
    servers.push(m.server);
  }
  if (healthBind) {
    const h = await listen(healthBind, { healthy: () => true, ready });
    log.info({ port: h.port }, 'health probes listening');
    servers.push(h.server);
  }

  const startWork = async () => {
    await Promise.all([managedSecrets.start(), namespaces.start()]);
    await Promise.all(controllers.map((c) => c.start()));
    log.info({ controllers: controllers.map((c) => c.name) }, 'lockstep started');
  };
  let shuttingDown = false;
  if (flags.leaderElect) {
    elector = new LeaderElector({
      lock: new LeaseLock({ kubeConfig: kc, namespace: flags.controllerNamespace, name: LEADER_LEASE_NAME }),
      ...(flags.identity ? { identity: flags.identity } : {}),
      leaseDurationMs: flags.leaderLeaseDurationMs,
      renewDeadlineMs: flags.leaderRenewDeadlineMs,
      retryPeriodMs: flags.leaderRetryPeriodMs,
      clock,
      random,
      log,
      onStartedLeading: () => {
        startWork().catch((err: Error) => {
          log.fatal({ err }, 'cannot start the controllers');
          process.exit(1);
        });
      },
      onStoppedLeading: () => {
        // A replica that lost the lease may hold stale state: exit and come back as a clean standby.
        if (!shuttingDown) {
          log.error('lost the leader lease; exiting so the process restarts clean');
          process.exit(1);
        }
      },
    });
    void elector.run();
    log.info('waiting for the leader lease');
  } else {
    await startWork();
  }

  // Graceful shutdown: stop taking work, let in-flight reconciles finish, revoke nothing.
  return new Promise<number>((resolve) => {
    const stop = async (signal: string) => {
      shuttingDown = true;
      log.info({ signal }, 'shutting down');
      const results = await Promise.all(controllers.map((c) => c.stop(flags.shutdownTimeoutMs)));
      await Promise.all([managedSecrets.stop(), namespaces.stop()]);
      engine?.stop();
      vault.stop();
      await elector?.release();
      for (const s of servers) s.close();
      const unfinished = results.flatMap((r) => r.inFlight);
      if (unfinished.length) log.warn({ unfinished }, 'deadline reached with reconciles in flight');
      resolve(0);
    };
    const stopOn = (signal: string) =>
      stop(signal).catch((err: unknown) => {
        log.error({ error: describeUnexpected(err) }, 'shutdown failed');
        resolve(1);
      });
    process.once('SIGTERM', () => void stopOn('SIGTERM'));
    process.once('SIGINT', () => void stopOn('SIGINT'));
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: (err as Error).message })}\n`);
    process.exit(1);
  },
);
