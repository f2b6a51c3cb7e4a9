import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, CustomObjectsApi, KubeConfig, type V1ConfigMap, type V1Secret } from '@kubernetes/client-node';
import { startApiServer } from '@lockstep/sandbox';
import { WorkQueue } from '../queue/work-queue.ts';
import { MANAGED_SELECTOR } from '../writer/labels.ts';
import { enqueueHandlers, ResourceInformer } from './informer.ts';

const CRD_DIR = fileURLToPath(new URL('../../../../crds', import.meta.url));

type ApiServer = Awaited<ReturnType<typeof startApiServer>>;

/** Polls until `check` passes; the bound only keeps a broken test from hanging. */
async function eventually(check: () => void, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(20);
    }
  }
}

/** A real TCP hop in front of the API server that a test can cut and restore. */
class TcpProxy {
  readonly #target: number;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  port = 0;

  constructor(targetPort: number) {
    this.#target = targetPort;
  }

  async listen(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.#target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  /** Closes the port and resets every open connection. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.resetAndDestroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function kubeConfigFor(kubeconfig: string, serverUrl?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  if (!serverUrl) return kc;
  const clusters = kc.clusters.map((c) => ({ ...c, server: serverUrl }));
  kc.loadFromOptions({ clusters, users: kc.users, contexts: kc.contexts, currentContext: kc.currentContext });
  return kc;
}

let server: ApiServer;
let kc: KubeConfig;
let core: CoreV1Api;
let nsCount = 0;

async function namespace(): Promise<string> {
  const name = `informer-${process.pid}-${++nsCount}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

function configMap(name: string, data: Record<string, string> = {}): V1ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { app: 'informer-test' } }, data };
}

function configMapInformer(ns: string, config = kc): ResourceInformer<V1ConfigMap> {
  return new ResourceInformer<V1ConfigMap>({
    kubeConfig: config,
    apiVersion: 'v1',
    kind: 'ConfigMap',
    plural: 'configmaps',
    namespace: ns,
    // Each namespace also holds the API server's own kube-root-ca.crt.
    labelSelector: 'app=informer-test',
    restartBackoff: { baseMs: 50, capMs: 500 },
  });
}

function recordEvents(informer: ResourceInformer<V1ConfigMap>) {
  const events: string[] = [];
  informer.on({
    add: (o) => events.push(`add:${o.metadata?.name}`),
    update: (o) => events.push(`update:${o.metadata?.name}`),
    delete: (o) => events.push(`delete:${o.metadata?.name}`),
  });
  return events;
}

/** How many times configmaps of `ns` were listed (not watched). */
const lists = (ns: string) =>
  server.requests().filter((r) => r.verb === 'list' && r.resource === 'configmaps' && r.namespace === ns).length;

const names = (objs: readonly { metadata?: { name?: string } }[]) => objs.map((o) => o.metadata?.name).sort();

describe('ResourceInformer against the embedded API server', () => {
  before(async () => {
    server = await startApiServer({ port: 0, crdDirs: [CRD_DIR] });
    kc = kubeConfigFor(server.kubeconfig());
    core = kc.makeApiClient(CoreV1Api);
  });

  after(async () => {
    await server?.stop();
  });

  it('lists existing objects, then sees them added, updated and deleted', async () => {
    const ns = await namespace();
    await core.createNamespacedConfigMap({ namespace: ns, body: configMap('existing') });
    const informer = configMapInformer(ns);
    const events = recordEvents(informer);
    assert.equal(informer.hasSynced(), false);
    try {
      await informer.start();
      await informer.waitForSync();
      assert.equal(informer.hasSynced(), true);
      assert.deepEqual(names(informer.list()), ['existing']);
      assert.equal(informer.get(ns, 'existing')?.kind, 'ConfigMap', 'listed objects carry their kind');

      await core.createNamespacedConfigMap({ namespace: ns, body: configMap('app', { mode: 'a' }) });
      await eventually(() => assert.equal(informer.get(ns, 'app')?.data?.mode, 'a'));
      await core.replaceNamespacedConfigMap({ name: 'app', namespace: ns, body: configMap('app', { mode: 'b' }) });
      await eventually(() => assert.equal(informer.get(ns, 'app')?.data?.mode, 'b'));
      await core.deleteNamespacedConfigMap({ name: 'app', namespace: ns });
      await eventually(() => assert.equal(informer.get(ns, 'app'), undefined));
      assert.deepEqual(events, ['add:existing', 'add:app', 'update:app', 'delete:app']);
    } finally {
      await informer.stop();
    }
  });

  it('lists every custom resource when the list comes in several pages', async () => {
    const ns = await namespace();
    const api = kc.makeApiClient(CustomObjectsApi);
    for (let i = 0; i < 5; i++) {
      await api.createNamespacedCustomObject({
        group: 'external.lockstep.dev',
        version: 'v1',
        namespace: ns,
        plural: 'secretstores',
        body: {
          apiVersion: 'external.lockstep.dev/v1',
          kind: 'SecretStore',
          metadata: { name: `store-${i}` },
          spec: { provider: { fake: { data: [] } } },
        },
      });
    }
    const informer = new ResourceInformer({
      kubeConfig: kc,
      apiVersion: 'external.lockstep.dev/v1',
      kind: 'SecretStore',
      plural: 'secretstores',
      namespace: ns,
      pageSize: 2,
    });
    try {
      await informer.start();
      await informer.waitForSync();
      assert.equal(informer.list().length, 5, 'all three pages are in the cache');
      const pages = server
        .requests()
        .filter((r) => r.verb === 'list' && r.resource === 'secretstores' && r.namespace === ns).length;
      assert.equal(pages, 3);
    } finally {
      await informer.stop();
    }
  });

  it('enqueues the key of every changed object', async () => {
    const ns = await namespace();
    const seen: string[] = [];
    const queue = new WorkQueue({
      name: 'ConfigMap',
      reconcile: async (key) => {
        seen.push(key);
      },
    });
    const informer = configMapInformer(ns);
    informer.on(enqueueHandlers(queue));
    try {
      await informer.start();
      await core.createNamespacedConfigMap({ namespace: ns, body: configMap('queued') });
      await eventually(() => assert.deepEqual(seen, [`${ns}/queued`]));
    } finally {
      await informer.stop();
      await queue.shutdown();
    }
  });

  it('keeps watching after the API server drops its watches', async () => {
    const ns = await namespace();
    const informer = configMapInformer(ns);
    try {
      await informer.start();
      await informer.waitForSync();
      server.dropWatches();
      await core.createNamespacedConfigMap({ namespace: ns, body: configMap('after-drop') });
      await eventually(() => assert.ok(informer.get(ns, 'after-drop')));
      server.dropWatches();
      await core.deleteNamespacedConfigMap({ name: 'after-drop', namespace: ns });
      await eventually(() => assert.equal(informer.get(ns, 'after-drop'), undefined));
    } finally {
      await informer.stop();
    }
  });

  it('relists when its resourceVersion has expired and converges on what the server holds', async () => {
    const ns = await namespace();
    await core.createNamespacedConfigMap({ namespace: ns, body: configMap('keep', { v: '1' }) });
    await core.createNamespacedConfigMap({ namespace: ns, body: configMap('gone') });
    const informer = configMapInformer(ns);
    const events = recordEvents(informer);
    try {
      await informer.start();
      await informer.waitForSync();

      // Changes the watch never sees: the informer is away, and history is compacted.
      await informer.stop();
      await core.deleteNamespacedConfigMap({ name: 'gone', namespace: ns });
      await core.createNamespacedConfigMap({ namespace: ns, body: configMap('new') });
      await core.replaceNamespacedConfigMap({ name: 'keep', namespace: ns, body: configMap('keep', { v: '2' }) });
      await server.compact();
      assert.equal(lists(ns), 1);
      await informer.start();
      await eventually(() => {
        assert.deepEqual(names(informer.list()), ['keep', 'new']);
        assert.equal(informer.get(ns, 'keep')?.data?.v, '2');
      });
      assert.ok(events.includes('delete:gone'), 'the relist reports the object deleted meanwhile');
      assert.ok(events.includes('add:new'));
      assert.ok(events.includes('update:keep'));
      assert.equal(lists(ns), 2, 'resuming at an expired resourceVersion relisted');

      // The same while running: a dropped watch resumes at a compacted version.
      await server.compact();
      server.dropWatches();
      await core.createNamespacedConfigMap({ namespace: ns, body: configMap('later') });
      await core.deleteNamespacedConfigMap({ name: 'keep', namespace: ns });
      await eventually(() => assert.deepEqual(names(informer.list()), ['later', 'new']));
      assert.equal(lists(ns), 3);
      assert.equal(informer.restarts, 0, '410 is handled by relisting, not by an error restart');
    } finally {
      await informer.stop();
    }
  });

  it('restarts itself after its watch connection is reset', async () => {
    const ns = await namespace();
    const informer = configMapInformer(ns);
    try {
      await informer.start();
      await informer.waitForSync();
      server.dropWatches({ reset: true });
      await eventually(() => assert.ok(informer.restarts >= 1, 'the reset was reported as an error and restarted'));
      await core.createNamespacedConfigMap({ namespace: ns, body: configMap('after-reset') });
      await eventually(() => assert.ok(informer.get(ns, 'after-reset')));
    } finally {
      await informer.stop();
    }
  });

  it('restarts itself after the connection to the API server fails, and catches up', async () => {
    const ns = await namespace();
    const proxy = new TcpProxy(Number(new URL(server.url).port));
    await proxy.listen();
    const informer = configMapInformer(ns, kubeConfigFor(server.kubeconfig(), `https://127.0.0.1:${proxy.port}`));
    try {
      await informer.start();
      await informer.waitForSync();
      await proxy.cut();
      await core.createNamespacedConfigMap({ namespace: ns, body: configMap('during-outage') });
      await eventually(() => assert.ok(informer.restarts >= 1, 'an error restart was scheduled'));
      await proxy.listen();
      await eventually(() => assert.ok(informer.get(ns, 'during-outage')));
      assert.equal(informer.hasSynced(), true);
      await core.createNamespacedConfigMap({ namespace: ns, body: configMap('after-outage') });
      await eventually(() => assert.ok(informer.get(ns, 'after-outage')));
    } finally {
      await informer.stop();
      await proxy.cut();
    }
  });

  it('caches only the Secrets carrying the managed label', async () => {
    const ns = await namespace();
    const secret = (name: string, managed: boolean): V1Secret => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, labels: managed ? { 'lockstep.dev/managed': 'true' } : {} },
      stringData: { k: 'v' },
    });
    await core.createNamespacedSecret({ namespace: ns, body: secret('managed-before', true) });
    await core.createNamespacedSecret({ namespace: ns, body: secret('foreign-before', false) });
    const informer = new ResourceInformer<V1Secret>({
      kubeConfig: kc,
      apiVersion: 'v1',
      kind: 'Secret',
      plural: 'secrets',
      namespace: ns,
      labelSelector: MANAGED_SELECTOR,
    });
    try {
      await informer.start();
      await informer.waitForSync();
      assert.deepEqual(names(informer.list()), ['managed-before']);
      await core.createNamespacedSecret({ namespace: ns, body: secret('foreign-after', false) });
      await core.createNamespacedSecret({ namespace: ns, body: secret('managed-after', true) });
      await eventually(() => assert.deepEqual(names(informer.list()), ['managed-after', 'managed-before']));
      assert.equal(informer.get(ns, 'foreign-after'), undefined);
      // A Secret that loses the label leaves the cache, as with a real API server.
      await core.replaceNamespacedSecret({
        name: 'managed-after',
        namespace: ns,
        body: secret('managed-after', false),
      });
      await eventually(() => assert.deepEqual(names(informer.list()), ['managed-before']));
    } finally {
      await informer.stop();
    }
  });
});
