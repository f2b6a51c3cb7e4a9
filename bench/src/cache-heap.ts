// Heap held per ExternalSecret in the controller's informer caches: B1's ExternalSecrets and
// their managed Secrets listed into core's ResourceInformer as the controller caches them
// (slimmed), or kept as the API server sent them (`whole`, what the caches held before);
// heapUsed after GC, before and after. Run as its own process after B1:
// `node --expose-gc bench/src/cache-heap.ts KUBECONFIG slim|whole`; prints one JSON line.

import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { MANAGED_SELECTOR, ResourceInformer } from '@lockstep/core';
import { round } from './stats.ts';

export interface CacheHeapResult {
  mode: 'slim' | 'whole';
  externalSecrets: number;
  secrets: number;
  /** heapUsed after GC with both caches full, minus before, over the ExternalSecrets. */
  bytesPerExternalSecret: number;
  cacheMiB: number;
}

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** The caches as the controller fills them: counts of ExternalSecrets and Secrets held. */
async function slimCaches(kc: KubeConfig, selector = ''): Promise<{ held: unknown; es: number; secrets: number }> {
  const externalSecrets = new ResourceInformer({
    kubeConfig: kc,
    apiVersion: 'external.lockstep.dev/v1',
    kind: 'ExternalSecret',
    plural: 'externalsecrets',
    ...(selector ? { labelSelector: selector } : {}),
  });
  const secrets = new ResourceInformer({
    kubeConfig: kc,
    apiVersion: 'v1',
    kind: 'Secret',
    plural: 'secrets',
    labelSelector: [MANAGED_SELECTOR, selector].filter(Boolean).join(','),
  });
  for (const i of [externalSecrets, secrets]) await i.start();
  for (const i of [externalSecrets, secrets]) await i.stop();
  return { held: [externalSecrets, secrets], es: externalSecrets.list().length, secrets: secrets.list().length };
}

/** Every object as listed, page by page (what client-node's ListWatch cached before slimming). */
async function wholeCaches(kc: KubeConfig, selector = ''): Promise<{ held: unknown; es: number; secrets: number }> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const es: unknown[] = [];
  const secrets: unknown[] = [];
  let token: string | undefined;
  do {
    const page = (await custom.listClusterCustomObject({
      group: 'external.lockstep.dev',
      version: 'v1',
      plural: 'externalsecrets',
      ...(selector ? { labelSelector: selector } : {}),
      limit: 500,
      _continue: token,
    })) as { items: unknown[]; metadata?: { continue?: string } };
    es.push(...page.items);
    token = page.metadata?.continue || undefined;
  } while (token);
  do {
    const page = await core.listSecretForAllNamespaces({
      labelSelector: MANAGED_SELECTOR,
      limit: 500,
      _continue: token,
    });
    secrets.push(...page.items);
    token = page.metadata?._continue || undefined;
  } while (token);
  return { held: [es, secrets], es: es.length, secrets: secrets.length };
}

export async function measureCacheHeap(kubeconfigPath: string, mode: 'slim' | 'whole'): Promise<CacheHeapResult> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const fill = mode === 'slim' ? slimCaches : wholeCaches;
  // The same calls once over nothing first, so lazily built clients, TLS sessions and code are
  // not counted as cache (at 200 ExternalSecrets they were most of the difference).
  await fill(kc, 'bench.lockstep.dev/none=1');
  const before = heapUsed();
  const caches = await fill(kc);
  const after = heapUsed();
  // Held until measured.
  void caches.held;
  return {
    mode,
    externalSecrets: caches.es,
    secrets: caches.secrets,
    bytesPerExternalSecret: caches.es > 0 ? Math.round((after - before) / caches.es) : 0,
    cacheMiB: round((after - before) / 1024 / 1024, 1),
  };
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const [kubeconfigPath, mode] = process.argv.slice(2);
  if (!kubeconfigPath || (mode !== 'slim' && mode !== 'whole'))
    throw new Error('usage: cache-heap.ts KUBECONFIG slim|whole');
  process.stdout.write(`${JSON.stringify(await measureCacheHeap(kubeconfigPath, mode))}\n`);
  process.exit(0);
}
