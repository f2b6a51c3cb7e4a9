#!/usr/bin/env node
// The `lockstep` binary: one process runs the generic pipeline and the Vault-native engine.

import type { Server } from 'node:http';
import { KubeConfig, type V1Namespace, type V1Secret } from '@kubernetes/client-node';
import {
  clientEventSink,
  clientRolloutRestarter,
  clientSecretApi,
  clientStatusPatcher,
  createEventRecorder,
  createKubeAccess,
  createLogger,
  createMetrics,
  loadOrCreateHmacKey,
  MANAGED_SELECTOR,
  PROMETHEUS_CONTENT_TYPE,
  ProviderRegistry,
  ResourceInformer,
  realClock,
  systemRandom,
} from '@lockstep/core';
import { fakeGenerator, passwordGenerator, registerGenericProviders } from '@lockstep/generic';
import { registerVaultIntoPipeline } from '@lockstep/vault-native';
import { parseBindAddress, parseFlags, USAGE } from './flags.ts';
import { genericPipeline } from './generic-pipeline.ts';
import { listen } from './http-endpoints.ts';

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

  const clock = realClock;
  const random = systemRandom;
  const metrics = createMetrics({ clock });
  const registry = new ProviderRegistry();
  registerGenericProviders(registry, {
    localKubeConfig: kc,
    onCall: (provider, operation, result) => metrics.providerRequests.add(1, { provider, operation, result }),
  });
  registry.registerGenerator(passwordGenerator as never);
  registry.registerGenerator(fakeGenerator as never);
  const vault = registerVaultIntoPipeline(registry);

  const secretApi = clientSecretApi(kc);
  const macKey = await loadOrCreateHmacKey(secretApi, flags.controllerNamespace).catch((err: Error) => {
    throw new Error(
      `cannot read or create the HMAC key Secret in namespace "${flags.controllerNamespace}" (--controller-namespace): ${err.message}`,
    );
  });
  const managedSecrets = new ResourceInformer<V1Secret>({
    kubeConfig: kc,
    apiVersion: 'v1',
    kind: 'Secret',
    plural: 'secrets',
    labelSelector: MANAGED_SELECTOR,
    clock,
    log,
  });
  const namespaces = new ResourceInformer<V1Namespace>({
    kubeConfig: kc,
    apiVersion: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    clock,
    log,
  });

  const controllers = genericPipeline({
    kc,
    log,
    metrics,
    clock,
    random,
    registry,
    kube: createKubeAccess(kc),
    secretApi,
    status: clientStatusPatcher(kc),
    events: createEventRecorder(clientEventSink(kc), clock),
    rollout: clientRolloutRestarter(kc),
    macKey,
    managedSecrets,
    namespaces,
    concurrency: flags.concurrency,
    coalesceWindowMs: flags.coalesceWindowMs,
  });
  for (const c of controllers) metrics.observeQueue(c.queue);

  const informers = [managedSecrets, namespaces, ...controllers.map((c) => c.informer)];
  const ready = () => informers.every((i) => i.hasSynced());
  const servers: Server[] = [];
  const metricsBind = parseBindAddress(flags.metricsBindAddress);
  const healthBind = parseBindAddress(flags.healthProbeBindAddress);
  if (metricsBind) {
    const m = await listen(metricsBind, {
      metrics: async () => ({ contentType: PROMETHEUS_CONTENT_TYPE, body: await metrics.render() }),
    });
    log.info({ port: m.port }, 'metrics listening');
    servers.push(m.server);
  }
  if (healthBind) {
    const h = await listen(healthBind, { healthy: () => true, ready });
    log.info({ port: h.port }, 'health probes listening');
    servers.push(h.server);
  }

  await Promise.all([managedSecrets.start(), namespaces.start()]);
  await Promise.all(controllers.map((c) => c.start()));
  log.info({ controllers: controllers.map((c) => c.name) }, 'lockstep started');

  // Graceful shutdown: stop taking work, let in-flight reconciles finish, revoke nothing.
  const stopped = new Promise<number>((resolve) => {
    const stop = async (signal: string) => {
      log.info({ signal }, 'shutting down');
      const results = await Promise.all(controllers.map((c) => c.stop(flags.shutdownTimeoutMs)));
      await Promise.all([managedSecrets.stop(), namespaces.stop()]);
      vault.stop();
      for (const s of servers) s.close();
      const unfinished = results.flatMap((r) => r.inFlight);
      if (unfinished.length) log.warn({ unfinished }, 'deadline reached with reconciles in flight');
      resolve(0);
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });
  return stopped;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: (err as Error).message })}\n`);
    process.exit(1);
  },
);
