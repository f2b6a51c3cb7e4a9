import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiException,
  AppsV1Api,
  AuthenticationV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from '@kubernetes/client-node';
import { type ApiServer, startApiServer } from './index.ts';

/** Parsed JSON of a response body (the tests read fields they know to be there). */
type Json = ReturnType<typeof JSON.parse>;

/** The Status body of a failed call, parsed. */
async function failure(
  p: Promise<unknown>,
): Promise<{ code: number; reason: string; message: string; details?: Json }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiException) {
      const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
      assert.equal(body.kind, 'Status');
      assert.equal(body.code, err.code);
      return body;
    }
    throw err;
  }
  assert.fail('expected the call to fail');
}

async function eventually(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await sleep(25);
  }
  assert.fail(`timed out waiting for ${what}`);
}

function deployment(name: string, image = 'nginx:1.27'): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: 'main', image },
            { name: 'sidecar', image: 'busybox:1' },
          ],
        },
      },
    },
  };
}

describe('embedded API server driven by @kubernetes/client-node', () => {
  let server: ApiServer;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let authn: AuthenticationV1Api;
  const ns = 'conformance';

  before(async () => {
    server = await startApiServer({ port: 0, rolloutDelayMs: 200 });
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig());
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    authn = kc.makeApiClient(AuthenticationV1Api);
    await core.createNamespace({ body: { metadata: { name: ns } } });
  });

  after(async () => {
    await server.stop();
  });

  it('gives every new namespace a default ServiceAccount and the kube-root-ca.crt ConfigMap', async () => {
    await core.createNamespace({ body: { metadata: { name: 'fresh' } } });
    const sa = await core.readNamespacedServiceAccount({ name: 'default', namespace: 'fresh' });
    assert.equal(sa.metadata?.name, 'default');
    const cm = await core.readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: 'fresh' });
    assert.equal(cm.data?.['ca.crt'], server.caPem);
    for (const name of ['default', 'kube-system', 'kube-public']) {
      assert.equal((await core.readNamespace({ name })).status?.phase, 'Active');
    }
  });

  it('creates, reads, updates and deletes a Secret with kube metadata', async () => {
    const created = await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'crud' }, stringData: { password: 'hunter2' } },
    });
    assert.ok(created.metadata?.uid);
    assert.ok(created.metadata?.creationTimestamp);
    assert.equal(created.metadata?.generation, 1);
    assert.equal(created.type, 'Opaque');
    assert.equal(created.data?.password, Buffer.from('hunter2').toString('base64'));
    assert.equal((created as { stringData?: unknown }).stringData, undefined);

    const dup = await failure(core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'crud' } } }));
    assert.equal(dup.code, 409);
    assert.equal(dup.reason, 'AlreadyExists');
    assert.deepEqual(dup.details, { name: 'crud', kind: 'secrets' });

    const read = await core.readNamespacedSecret({ name: 'crud', namespace: ns });
    read.data = { password: Buffer.from('new').toString('base64') };
    const updated = await core.replaceNamespacedSecret({ name: 'crud', namespace: ns, body: read });
    assert.ok(Number(updated.metadata?.resourceVersion) > Number(created.metadata?.resourceVersion));
    assert.equal(updated.metadata?.generation, 2);

    await core.deleteNamespacedSecret({ name: 'crud', namespace: ns });
    const gone = await failure(core.readNamespacedSecret({ name: 'crud', namespace: ns }));
    assert.equal(gone.code, 404);
    assert.equal(gone.reason, 'NotFound');
    assert.equal(gone.message, 'secrets "crud" not found');
  });

  it('answers 404 for objects created in a namespace that does not exist', async () => {
    const err = await failure(
      core.createNamespacedConfigMap({ namespace: 'nowhere', body: { metadata: { name: 'x' } } }),
    );
    assert.equal(err.code, 404);
    assert.equal(err.message, 'namespaces "nowhere" not found');
  });

  it('rejects an update carrying a stale resourceVersion with 409 Conflict', async () => {
    const cm = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'race' }, data: { a: '1' } },
    });
    await core.replaceNamespacedConfigMap({ name: 'race', namespace: ns, body: { ...cm, data: { a: '2' } } });
    const err = await failure(
      core.replaceNamespacedConfigMap({ name: 'race', namespace: ns, body: { ...cm, data: { a: '3' } } }),
    );
    assert.equal(err.code, 409);
    assert.equal(err.reason, 'Conflict');
    assert.match(err.message, /the object has been modified; please apply your changes to the latest version/);
    assert.equal((await core.readNamespacedConfigMap({ name: 'race', namespace: ns })).data?.a, '2');
  });

  it('supports generateName', async () => {
    const a = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { generateName: 'gen-' } } });
    const b = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { generateName: 'gen-' } } });
    assert.match(a.metadata?.name ?? '', /^gen-[a-z0-9]{5}$/);
    assert.notEqual(a.metadata?.name, b.metadata?.name);
  });

  it('applies merge, JSON and strategic merge patches', async () => {
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'patched' }, data: { a: '1', b: '2' } },
    });
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const merged = await core.patchNamespacedConfigMap(
      { name: 'patched', namespace: ns, body: { data: { a: null, c: '3' } } },
      merge,
    );
    assert.deepEqual(merged.data, { b: '2', c: '3' });

    const json = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
    const jsonPatched = await core.patchNamespacedConfigMap(
      { name: 'patched', namespace: ns, body: [{ op: 'replace', path: '/data/b', value: 'two' }] },
      json,
    );
    assert.equal(jsonPatched.data?.b, 'two');
    const failedTest = await failure(
      core.patchNamespacedConfigMap(
        { name: 'patched', namespace: ns, body: [{ op: 'test', path: '/data/b', value: 'nope' }] },
        json,
      ),
    );
    assert.equal(failedTest.code, 422);

    const stale = await failure(
      core.patchNamespacedConfigMap(
        { name: 'patched', namespace: ns, body: { metadata: { resourceVersion: '1' }, data: { z: '1' } } },
        merge,
      ),
    );
    assert.equal(stale.code, 409);

    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('smp') });
    const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
    const d = await apps.patchNamespacedDeployment(
      {
        name: 'smp',
        namespace: ns,
        body: { spec: { template: { spec: { containers: [{ name: 'main', image: 'nginx:1.28' }] } } } },
      },
      strategic,
    );
    const containers = d.spec?.template.spec?.containers ?? [];
    assert.deepEqual(
      containers.map((c) => [c.name, c.image]),
      [
        ['main', 'nginx:1.28'],
        ['sidecar', 'busybox:1'],
      ],
    );
    assert.equal(d.metadata?.generation, 2);

    const missing = await failure(
      core.patchNamespacedConfigMap({ name: 'missing', namespace: ns, body: { data: { a: '1' } } }, merge),
    );
    assert.equal(missing.code, 404);
  });

  it('server-side apply creates, tracks managers, reports conflicts and honours force', async () => {
    const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
    const body = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'applied', namespace: ns },
      data: { owner: 'a' },
    };
    const created = await core.patchNamespacedConfigMap(
      { name: 'applied', namespace: ns, body, fieldManager: 'manager-a' },
      apply,
    );
    assert.equal(created.data?.owner, 'a');
    assert.ok(created.metadata?.managedFields?.some((m) => m.manager === 'manager-a' && m.operation === 'Apply'));

    const conflict = await failure(
      core.patchNamespacedConfigMap(
        { name: 'applied', namespace: ns, body: { ...body, data: { owner: 'b' } }, fieldManager: 'manager-b' },
        apply,
      ),
    );
    assert.equal(conflict.code, 409);
    assert.equal(conflict.reason, 'Conflict');
    assert.ok(conflict.details?.causes?.some((c: { field: string }) => c.field.includes('owner')));

    const forced = await core.patchNamespacedConfigMap(
      {
        name: 'applied',
        namespace: ns,
        body: { ...body, data: { owner: 'b' } },
        fieldManager: 'manager-b',
        force: true,
      },
      apply,
    );
    assert.equal(forced.data?.owner, 'b');

    const noManager = await failure(core.patchNamespacedConfigMap({ name: 'applied', namespace: ns, body }, apply));
    assert.equal(noManager.code, 422);
  });

  it('keeps status and spec apart on kinds with a status subresource, bumping generation on spec only', async () => {
    const created = await apps.createNamespacedDeployment({ namespace: ns, body: deployment('split') });
    assert.equal(created.metadata?.generation, 1);
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const viaStatus = await apps.patchNamespacedDeploymentStatus(
      { name: 'split', namespace: ns, body: { spec: { replicas: 9 }, status: { collisionCount: 7 } } },
      merge,
    );
    assert.equal(viaStatus.status?.collisionCount, 7);
    assert.equal(viaStatus.spec?.replicas, 2, '/status ignores spec changes');
    assert.equal(viaStatus.metadata?.generation, 1);

    const viaMain = await apps.patchNamespacedDeployment(
      { name: 'split', namespace: ns, body: { spec: { replicas: 3 }, status: { collisionCount: 1 } } },
      merge,
    );
    assert.equal(viaMain.spec?.replicas, 3);
    assert.equal(viaMain.status?.collisionCount, 7, 'the main resource ignores status changes');
    assert.equal(viaMain.metadata?.generation, 2);

    const labelled = await apps.patchNamespacedDeployment(
      { name: 'split', namespace: ns, body: { metadata: { labels: { team: 'x' } } } },
      merge,
    );
    assert.equal(labelled.metadata?.generation, 2, 'metadata changes keep the generation');
  });

  it('holds an object with finalizers in deletion until the last finalizer is removed', async () => {
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'held', finalizers: ['example.com/hold'] } },
    });
    await core.deleteNamespacedConfigMap({ name: 'held', namespace: ns });
    const live = await core.readNamespacedConfigMap({ name: 'held', namespace: ns });
    assert.ok(live.metadata?.deletionTimestamp);
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const added = await failure(
      core.patchNamespacedConfigMap(
        { name: 'held', namespace: ns, body: { metadata: { finalizers: ['example.com/hold', 'example.com/more'] } } },
        merge,
      ),
    );
    assert.equal(added.code, 422);
    await core.patchNamespacedConfigMap(
      { name: 'held', namespace: ns, body: { metadata: { finalizers: null } } },
      merge,
    );
    assert.equal((await failure(core.readNamespacedConfigMap({ name: 'held', namespace: ns }))).code, 404);
  });

  it('garbage-collects dependents whose owners are gone, and orphans on request', async () => {
    const owner = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'owner' } } });
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata?.uid ?? '' };
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'child', ownerReferences: [ref] } } });
    await core.deleteNamespacedConfigMap({ name: 'owner', namespace: ns });
    await eventually(
      async () => (await core.listNamespacedSecret({ namespace: ns })).items.every((s) => s.metadata?.name !== 'child'),
      'the dependent to be collected',
    );

    const keeper = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'keeper' } } });
    const keepRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'keeper', uid: keeper.metadata?.uid ?? '' };
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'orphan', ownerReferences: [keepRef] } },
    });
    await core.deleteNamespacedConfigMap({ name: 'keeper', namespace: ns, propagationPolicy: 'Orphan' });
    await sleep(50);
    const orphan = await core.readNamespacedSecret({ name: 'orphan', namespace: ns });
    assert.equal(orphan.metadata?.ownerReferences, undefined);
  });

  it('deletes dependents first in a foreground deletion', async () => {
    const owner = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'fg-owner' } } });
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'fg-owner', uid: owner.metadata?.uid ?? '' };
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'fg-child', finalizers: ['example.com/slow'], ownerReferences: [ref] } },
    });
    await core.deleteNamespacedConfigMap({ name: 'fg-owner', namespace: ns, propagationPolicy: 'Foreground' });
    const waiting = await core.readNamespacedConfigMap({ name: 'fg-owner', namespace: ns });
    assert.ok(waiting.metadata?.deletionTimestamp);
    assert.deepEqual(waiting.metadata?.finalizers, ['foregroundDeletion']);
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    await core.patchNamespacedSecret(
      { name: 'fg-child', namespace: ns, body: { metadata: { finalizers: null } } },
      merge,
    );
    await eventually(
      async () =>
        (await core.listNamespacedConfigMap({ namespace: ns })).items.every((c) => c.metadata?.name !== 'fg-owner'),
      'the owner to go once its dependents are gone',
    );
  });

  it('filters lists by label and field selectors, across namespaces too', async () => {
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'sel-a', labels: { tier: 'web' } } },
    });
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'sel-b', labels: { tier: 'db' } }, type: 'example.com/special' },
    });
    const web = await core.listNamespacedSecret({ namespace: ns, labelSelector: 'tier in (web)' });
    assert.deepEqual(
      web.items.map((s) => s.metadata?.name),
      ['sel-a'],
    );
    const byName = await core.listSecretForAllNamespaces({ fieldSelector: 'metadata.name=sel-b' });
    assert.deepEqual(
      byName.items.map((s) => s.metadata?.namespace),
      [ns],
    );
    const byType = await core.listNamespacedSecret({ namespace: ns, fieldSelector: 'type=example.com/special' });
    assert.deepEqual(
      byType.items.map((s) => s.metadata?.name),
      ['sel-b'],
    );
    const bad = await failure(core.listNamespacedSecret({ namespace: ns, fieldSelector: 'spec.nope=1' }));
    assert.equal(bad.code, 400);
    const badLabel = await failure(core.listNamespacedSecret({ namespace: ns, labelSelector: 'tier in (' }));
    assert.equal(badLabel.code, 400);
    assert.ok(Number(web.metadata?.resourceVersion) > 0);
  });

  it('paginates lists with limit and continue', async () => {
    await core.createNamespace({ body: { metadata: { name: 'paged' } } });
    for (let i = 0; i < 5; i++) {
      await core.createNamespacedConfigMap({ namespace: 'paged', body: { metadata: { name: `page-${i}` } } });
    }
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await core.listNamespacedConfigMap({ namespace: 'paged', limit: 2, _continue: token });
      names.push(...page.items.map((c) => c.metadata?.name ?? ''));
      token = page.metadata?._continue;
      pages++;
    } while (token);
    assert.equal(pages, 3);
    assert.deepEqual(names, ['kube-root-ca.crt', 'page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
  });

  it('issues service account tokens that TokenReview authenticates for the right audience only', async () => {
    const missing = await failure(
      core.createNamespacedServiceAccountToken({
        name: 'ghost',
        namespace: ns,
        body: { spec: { audiences: ['vault'] } },
      }),
    );
    assert.equal(missing.code, 404);
    const tr = await core.createNamespacedServiceAccountToken({
      name: 'default',
      namespace: ns,
      body: { spec: { audiences: ['vault'], expirationSeconds: 600 } },
    });
    const token = tr.status?.token ?? '';
    assert.equal(token.split('.').length, 3, 'a JWT');
    assert.ok(tr.status?.expirationTimestamp);

    const ok = await authn.createTokenReview({ body: { spec: { token, audiences: ['vault'] } } });
    assert.equal(ok.status?.authenticated, true);
    assert.equal(ok.status?.user?.username, `system:serviceaccount:${ns}:default`);
    const wrong = await authn.createTokenReview({ body: { spec: { token, audiences: ['other'] } } });
    assert.notEqual(wrong.status?.authenticated, true);

    // Requests made with a token for the API audience are logged under the service account.
    const apiToken = await core.createNamespacedServiceAccountToken({
      name: 'default',
      namespace: ns,
      body: { spec: {} },
    });
    assert.equal(apiToken.spec?.expirationSeconds, 3600);
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig().replace(server.adminToken, apiToken.status?.token ?? ''));
    server.clearRequests();
    await kc.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: ns });
    const entry = server.requests().find((r) => r.resource === 'secrets' && r.verb === 'list');
    assert.equal(entry?.user, `system:serviceaccount:${ns}:default`);
    assert.equal(entry?.code, 200);
  });

  it('simulates a Deployment rollout that completes after the delay', async () => {
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('rolling') });
    const fresh = await apps.readNamespacedDeployment({ name: 'rolling', namespace: ns });
    assert.ok((fresh.status?.observedGeneration ?? 0) < (fresh.metadata?.generation ?? 1), 'rollout in progress');
    await eventually(async () => {
      const d = await apps.readNamespacedDeployment({ name: 'rolling', namespace: ns });
      return d.status?.observedGeneration === d.metadata?.generation && d.status?.availableReplicas === 2;
    }, 'the rollout to complete');
    const done = await apps.readNamespacedDeployment({ name: 'rolling', namespace: ns });
    assert.equal(done.status?.updatedReplicas, 2);
    assert.equal(done.status?.readyReplicas, 2);
    const progressing = done.status?.conditions?.find((c) => c.type === 'Progressing');
    assert.equal(progressing?.reason, 'NewReplicaSetAvailable');
    assert.equal(done.status?.conditions?.find((c) => c.type === 'Available')?.status, 'True');
  });

  it('terminates a namespace: phase Terminating, then its content and itself go', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await core.createNamespacedSecret({ namespace: 'doomed', body: { metadata: { name: 's' } } });
    const terminating = (await core.deleteNamespace({ name: 'doomed' })) as unknown as { status?: { phase?: string } };
    assert.equal(terminating.status?.phase, 'Terminating');
    await eventually(async () => {
      const all = await core.listNamespace();
      return all.items.every((n) => n.metadata?.name !== 'doomed');
    }, 'the namespace to disappear');
    assert.equal((await failure(core.readNamespacedSecret({ name: 's', namespace: 'doomed' }))).code, 404);
  });

  it('logs requests with user, verb and resource', async () => {
    server.clearRequests();
    await core.readNamespacedServiceAccount({ name: 'default', namespace: ns });
    await failure(core.readNamespacedSecret({ name: 'nope', namespace: ns }));
    assert.deepEqual(
      server.requests().map(({ time: _t, ...rest }) => rest),
      [
        {
          user: 'admin',
          verb: 'get',
          group: '',
          version: 'v1',
          resource: 'serviceaccounts',
          namespace: ns,
          name: 'default',
          code: 200,
        },
        {
          user: 'admin',
          verb: 'get',
          group: '',
          version: 'v1',
          resource: 'secrets',
          namespace: ns,
          name: 'nope',
          code: 404,
        },
      ],
    );
  });

  it('does not store anything on dryRun=All', async () => {
    const dry = await core.createNamespacedConfigMap({
      namespace: ns,
      dryRun: 'All',
      body: { metadata: { name: 'dry' } },
    });
    assert.equal(dry.metadata?.name, 'dry');
    assert.equal((await failure(core.readNamespacedConfigMap({ name: 'dry', namespace: ns }))).code, 404);
  });

  it('negotiates content: Table for kubectl-style Accept, 406 for protobuf only, 401 without a token', async () => {
    const get = (path: string, headers: Record<string, string>) =>
      new Promise<{ status: number; body: Json }>((resolve, reject) => {
        const req = request(new URL(path, server.url), { ca: server.caPem, headers }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
        });
        req.on('error', reject);
        req.end();
      });
    const auth = { Authorization: `Bearer ${server.adminToken}` };
    const table = await get(`/api/v1/namespaces/${ns}/serviceaccounts`, {
      ...auth,
      Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    });
    assert.equal(table.status, 200);
    assert.equal(table.body.kind, 'Table');
    assert.equal(table.body.columnDefinitions[0].name, 'Name');
    assert.equal(table.body.rows[0].cells[0], 'default');
    const proto = await get('/api/v1/namespaces', { ...auth, Accept: 'application/vnd.kubernetes.protobuf' });
    assert.equal(proto.status, 406);
    assert.equal(proto.body.reason, 'NotAcceptable');
    const anonymous = await get('/api/v1/namespaces', {});
    assert.equal(anonymous.status, 401);
    const version = await get('/version', {});
    assert.equal(version.body.major, '1');
  });
});
