import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ADD,
  CoreV1Api,
  DELETE,
  ERROR,
  KubeConfig,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  UPDATE,
  type V1ConfigMap,
  Watch,
} from '@kubernetes/client-node';
import { type ApiServer, startApiServer } from './index.ts';

/** Parsed JSON of a response body (the tests read fields they know to be there). */
type Json = ReturnType<typeof JSON.parse>;

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await sleep(25);
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** Reads a raw watch stream for `ms` and returns its events. */
async function rawWatch(server: ApiServer, path: string, ms: number): Promise<{ type: string; object: Json }[]> {
  const url = new URL(path, server.url);
  const req = request(url, { ca: server.caPem, headers: { Authorization: `Bearer ${server.adminToken}` } });
  req.end();
  const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
  assert.equal(res.statusCode, 200);
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (c: string) => {
    text += c;
  });
  const ended = once(res, 'end').catch(() => undefined);
  await Promise.race([ended, sleep(ms)]);
  req.destroy();
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

describe('watches and informers against the embedded API server', () => {
  let server: ApiServer;
  let kc: KubeConfig;
  let core: CoreV1Api;
  const ns = 'watched';
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

  before(async () => {
    server = await startApiServer({ port: 0, rolloutDelayMs: 200, bookmarkIntervalMs: 100 });
    kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig());
    core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: ns } } });
  });

  after(async () => {
    await server.stop();
  });

  it('feeds an informer adds, updates and deletes, and it survives dropped watches and a 410 relist', async () => {
    const path = `/api/v1/namespaces/${ns}/configmaps`;
    const informer = makeInformer<V1ConfigMap>(kc, path, () => core.listNamespacedConfigMap({ namespace: ns }));
    const seen: string[] = [];
    informer.on(ADD, (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on(UPDATE, (o) => seen.push(`update ${o.metadata?.name} ${o.data?.v ?? ''}`));
    informer.on(DELETE, (o) => seen.push(`delete ${o.metadata?.name}`));
    await informer.start();
    try {
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' }, data: { v: '1' } } });
      await core.patchNamespacedConfigMap({ name: 'a', namespace: ns, body: { data: { v: '2' } } }, merge);
      await core.deleteNamespacedConfigMap({ name: 'a', namespace: ns });
      await eventually(() => seen.includes('delete a'), 'the delete');
      assert.deepEqual(
        seen.filter((s) => s.endsWith(' a') || s.includes(' a ')),
        ['add a', 'update a 2', 'delete a'],
      );

      // A dropped connection: the informer resumes from its resourceVersion and misses nothing.
      server.dropWatches();
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'b' } } });
      await eventually(() => informer.get('b', ns) !== undefined, 'b after a dropped watch');

      // Compacted history: resuming gets 410 Gone, the informer relists and converges.
      server.clearRequests();
      server.compact();
      server.dropWatches();
      await eventually(
        () => server.requests().some((r) => r.verb === 'list' && r.resource === 'configmaps'),
        'a relist after 410',
      );
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'c' } } });
      await eventually(() => informer.get('c', ns) !== undefined, 'c after the relist');

      // Changes made while the informer was away arrive through the relist diff.
      await informer.stop();
      await core.deleteNamespacedConfigMap({ name: 'b', namespace: ns });
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'd' } } });
      server.compact();
      await informer.start();
      await eventually(() => informer.get('d', ns) !== undefined && informer.get('b', ns) === undefined, 'convergence');
      assert.ok(seen.includes('delete b'));
      assert.deepEqual(
        informer
          .list(ns)
          .map((o) => o.metadata?.name)
          .sort(),
        ['c', 'd', 'kube-root-ca.crt'],
      );
    } finally {
      await informer.stop();
    }
  });

  it('answers a watch from a compacted resourceVersion with an ERROR event carrying 410 Expired', async () => {
    const cm = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'old' } } });
    server.compact();
    const events = await rawWatch(
      server,
      `/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${cm.metadata?.resourceVersion}`,
      2000,
    );
    assert.equal(events.length, 1);
    assert.equal(events[0]?.type, 'ERROR');
    assert.equal(events[0]?.object.code, 410);
    assert.equal(events[0]?.object.reason, 'Expired');
    assert.match(events[0]?.object.message, /^too old resource version/);
  });

  it('filters watches by label and field selectors and reports objects that stop matching as DELETED', async () => {
    const list = await core.listNamespacedSecret({ namespace: ns });
    const events: [string, string][] = [];
    const watch = new Watch(kc);
    const controller = await watch.watch(
      `/api/v1/namespaces/${ns}/secrets`,
      { labelSelector: 'app=x', resourceVersion: list.metadata?.resourceVersion },
      (type, obj) => events.push([type, obj.metadata.name]),
      () => undefined,
    );
    try {
      await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'in', labels: { app: 'x' } } } });
      await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'out', labels: { app: 'y' } } } });
      await core.patchNamespacedSecret(
        { name: 'in', namespace: ns, body: { metadata: { labels: { app: 'y' } } } },
        merge,
      );
      await core.patchNamespacedSecret(
        { name: 'out', namespace: ns, body: { metadata: { labels: { app: 'x' } } } },
        merge,
      );
      await eventually(() => events.length >= 3, 'three events');
      assert.deepEqual(events, [
        ['ADDED', 'in'],
        ['DELETED', 'in'],
        ['ADDED', 'out'],
      ]);
    } finally {
      controller.abort();
    }

    const byField: [string, string][] = [];
    const ctl = await watch.watch(
      `/api/v1/namespaces/${ns}/secrets`,
      { fieldSelector: 'metadata.name=out', resourceVersion: list.metadata?.resourceVersion },
      (type, obj) => byField.push([type, obj.metadata.name]),
      () => undefined,
    );
    try {
      await eventually(() => byField.length >= 2, 'replayed events');
      assert.ok(byField.every(([, name]) => name === 'out'));
    } finally {
      ctl.abort();
    }
  });

  it('sends BOOKMARK events when asked and ends the stream after timeoutSeconds', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: ns });
    const events = await rawWatch(
      server,
      `/api/v1/namespaces/${ns}/configmaps?watch=1&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=${list.metadata?.resourceVersion}`,
      5000,
    );
    const bookmarks = events.filter((e) => e.type === 'BOOKMARK');
    assert.ok(bookmarks.length >= 2, `got ${bookmarks.length} bookmarks`);
    assert.equal(bookmarks[0]?.object.kind, 'ConfigMap');
    assert.ok(Number(bookmarks[0]?.object.metadata.resourceVersion) >= Number(list.metadata?.resourceVersion));
  });

  it('starts a watch without resourceVersion with ADDED events for the existing objects', async () => {
    const events = await rawWatch(server, `/api/v1/watch/namespaces/${ns}/serviceaccounts?timeoutSeconds=1`, 3000);
    assert.deepEqual(
      events.map((e) => [e.type, e.object.metadata.name]),
      [['ADDED', 'default']],
    );
  });

  it('reports a cut connection to the informer as an error (the library then stops it)', async () => {
    const informer = makeInformer<V1ConfigMap>(kc, `/api/v1/namespaces/${ns}/configmaps`, () =>
      core.listNamespacedConfigMap({ namespace: ns }),
    );
    const errors: unknown[] = [];
    informer.on(ERROR, (err) => errors.push(err));
    await informer.start();
    try {
      await sleep(100);
      server.dropWatches({ reset: true });
      await eventually(() => errors.length > 0, 'the error callback');
    } finally {
      await informer.stop();
    }
  });
});
