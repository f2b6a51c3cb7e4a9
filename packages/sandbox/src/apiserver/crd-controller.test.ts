import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ApiException,
  ApiextensionsV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { type ApiServer, startApiServer } from './index.ts';

/** Parsed JSON of a response body (the tests read fields they know to be there). */
type Json = ReturnType<typeof JSON.parse>;

const group = 'example.lockstep.dev';

function gadgetCrd(): object {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `gadgets.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', shortNames: ['gd'], categories: ['lockstep'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['size'],
                  properties: {
                    size: { type: 'integer', minimum: 1 },
                    color: { type: 'string', default: 'blue', enum: ['blue', 'red'] },
                  },
                },
                status: { type: 'object', properties: { phase: { type: 'string' } } },
              },
            },
          },
        },
      ],
    },
  };
}

async function failure(p: Promise<unknown>): Promise<Json> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiException) return typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
    throw err;
  }
  assert.fail('expected the call to fail');
}

describe('custom resources registered at runtime', () => {
  let server: ApiServer;
  let kc: KubeConfig;
  let custom: CustomObjectsApi;
  let ext: ApiextensionsV1Api;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crds-'));
    await writeFile(
      join(dir, 'things.yaml'),
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: things.${group}
spec:
  group: ${group}
  scope: Cluster
  names: { plural: things, singular: thing, kind: Thing }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true }
---
# a second document that is not a CRD is ignored
apiVersion: v1
kind: ConfigMap
metadata: { name: ignored }
`,
    );
    server = await startApiServer({ port: 0, crdDirs: [dir] });
    kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig());
    custom = kc.makeApiClient(CustomObjectsApi);
    ext = kc.makeApiClient(ApiextensionsV1Api);
  });

  after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('registers CRDs found in crdDirs at start', async () => {
    const thing = await custom.createClusterCustomObject({
      group,
      version: 'v1',
      plural: 'things',
      body: { apiVersion: `${group}/v1`, kind: 'Thing', metadata: { name: 't1' }, anything: { goes: true } },
    });
    assert.deepEqual((thing as Json).anything, { goes: true });
  });

  it('serves a CRD created at runtime with validation (422 with causes) and defaults', async () => {
    await fetchText(server, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', gadgetCrd());
    const crd = await ext.readCustomResourceDefinition({ name: `gadgets.${group}` });
    assert.equal(crd.status?.conditions?.find((c) => c.type === 'Established')?.status, 'True');

    const base = { group, version: 'v1', namespace: 'default', plural: 'gadgets' };
    const bad = await failure(
      custom.createNamespacedCustomObject({
        ...base,
        body: {
          apiVersion: `${group}/v1`,
          kind: 'Gadget',
          metadata: { name: 'bad' },
          spec: { size: 0, color: 'green' },
        },
      }),
    );
    assert.equal(bad.code, 422);
    assert.equal(bad.reason, 'Invalid');
    assert.equal(bad.details.kind, 'Gadget');
    assert.equal(bad.details.group, group);
    const fields = bad.details.causes.map((c: { field: string }) => c.field).sort();
    assert.deepEqual(fields, ['spec.color', 'spec.size']);

    const good = (await custom.createNamespacedCustomObject({
      ...base,
      body: {
        apiVersion: `${group}/v1`,
        kind: 'Gadget',
        metadata: { name: 'good' },
        spec: { size: 2 },
        status: { phase: 'x' },
      },
    })) as Json;
    assert.equal(good.spec.color, 'blue', 'schema default applied');
    assert.equal(good.status, undefined, 'status is dropped on create with a status subresource');
    assert.equal(good.metadata.generation, 1);

    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const withStatus = (await custom.patchNamespacedCustomObjectStatus(
      { ...base, name: 'good', body: { status: { phase: 'Ready' } } },
      merge,
    )) as Json;
    assert.equal(withStatus.status.phase, 'Ready');
    assert.equal(withStatus.metadata.generation, 1);
    const bumped = (await custom.patchNamespacedCustomObject(
      { ...base, name: 'good', body: { spec: { size: 3 } } },
      merge,
    )) as Json;
    assert.equal(bumped.metadata.generation, 2);

    const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
    const unsupported = await failure(
      custom.patchNamespacedCustomObject({ ...base, name: 'good', body: { spec: { size: 4 } } }, strategic),
    );
    assert.equal(unsupported.code, 415);
    assert.equal(unsupported.reason, 'UnsupportedMediaType');
  });

  it('announces the kind in discovery with short names, categories and the status subresource', async () => {
    const text = await fetchText(server, `/apis/${group}/v1`);
    const list = JSON.parse(text);
    const gadgets = list.resources.find((r: { name: string }) => r.name === 'gadgets');
    assert.deepEqual(gadgets.shortNames, ['gd']);
    assert.deepEqual(gadgets.categories, ['lockstep']);
    assert.equal(gadgets.namespaced, true);
    assert.ok(list.resources.some((r: { name: string }) => r.name === 'gadgets/status'));
  });

  it('unregisters the kind and removes its objects when the CRD is deleted', async () => {
    await ext.deleteCustomResourceDefinition({ name: `gadgets.${group}` });
    const gone = await failure(
      custom.listNamespacedCustomObject({ group, version: 'v1', namespace: 'default', plural: 'gadgets' }),
    );
    assert.equal(gone.code, 404);
    await fetchText(server, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', gadgetCrd());
    const list = (await custom.listNamespacedCustomObject({
      group,
      version: 'v1',
      namespace: 'default',
      plural: 'gadgets',
    })) as Json;
    assert.deepEqual(list.items, []);
  });

  it('rejects a CRD whose name does not match its names and group', async () => {
    const crd = gadgetCrd() as { metadata: { name: string } };
    crd.metadata.name = 'wrong.example.lockstep.dev';
    const err = await failure(ext.createCustomResourceDefinition({ body: crd as Json }));
    assert.equal(err.code, 422);
  });
});

/** Raw HTTPS: client-node's typed models would rename JSONSchemaProps fields (`enum` is `_enum` there). */
async function fetchText(server: ApiServer, path: string, body?: object): Promise<string> {
  const { request } = await import('node:https');
  const headers: Record<string, string> = { Authorization: `Bearer ${server.adminToken}` };
  if (body) headers['Content-Type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, server.url),
      { ca: server.caPem, headers, method: body ? 'POST' : 'GET' },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve(body));
      },
    );
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}
