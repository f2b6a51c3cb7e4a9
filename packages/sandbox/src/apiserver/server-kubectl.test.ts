import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { type ApiServer, startApiServer } from './index.ts';

const KUBECTL = new URL('../../../../.tools/bin/kubectl', import.meta.url).pathname;
const run = promisify(execFile);

const crdYaml = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.lockstep.dev
spec:
  group: example.lockstep.dev
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget, shortNames: [wd], categories: [lockstep] }
  versions:
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      additionalPrinterColumns:
        - { name: Size, type: integer, jsonPath: .spec.size }
        - { name: Age, type: date, jsonPath: .metadata.creationTimestamp }
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [size]
              properties:
                size: { type: integer, minimum: 1 }
                color: { type: string, default: blue }
`;

const appYaml = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
  namespace: shop
stringData:
  password: hunter2
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers: [{ name: web, image: "nginx:1.27" }]
---
apiVersion: example.lockstep.dev/v1
kind: Widget
metadata:
  name: w1
  namespace: shop
spec:
  size: 3
`;

describe('embedded API server driven by the real kubectl', () => {
  let server: ApiServer;
  let dir: string;
  let kubeconfig: string;

  async function kubectl(...args: string[]): Promise<string> {
    const { stdout } = await run(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], {
      timeout: 20_000,
    });
    return stdout;
  }

  async function kubectlFails(...args: string[]): Promise<string> {
    try {
      await kubectl(...args);
    } catch (err) {
      return String((err as { stderr?: string }).stderr);
    }
    assert.fail(`kubectl ${args.join(' ')} should have failed`);
  }

  before(async () => {
    server = await startApiServer({ port: 0, rolloutDelayMs: 200 });
    dir = await mkdtemp(join(tmpdir(), 'kubectl-'));
    kubeconfig = join(dir, 'kubeconfig');
    await server.writeKubeconfig(kubeconfig);
    await writeFile(join(dir, 'crd.yaml'), crdYaml);
    await writeFile(join(dir, 'app.yaml'), appYaml);
  });

  after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies a CRD, then a Namespace, Secret, Deployment and custom resource (client-side validation on)', async () => {
    assert.match(await kubectl('apply', '-f', join(dir, 'crd.yaml')), /widgets.example.lockstep.dev created/);
    const out = await kubectl('apply', '-f', join(dir, 'app.yaml'));
    assert.match(out, /namespace\/shop created/);
    assert.match(out, /secret\/creds created/);
    assert.match(out, /deployment.apps\/web created/);
    assert.match(out, /widget.example.lockstep.dev\/w1 created/);
    const again = await kubectl('apply', '-f', join(dir, 'app.yaml'));
    assert.match(again, /deployment.apps\/web unchanged/);
    assert.match(again, /widget.example.lockstep.dev\/w1 unchanged/);
  });

  it('shows objects with get -o yaml, the schema default included', async () => {
    const secret = parse(await kubectl('get', 'secret', 'creds', '-n', 'shop', '-o', 'yaml'));
    assert.equal(Buffer.from(secret.data.password, 'base64').toString(), 'hunter2');
    const widget = parse(await kubectl('get', 'widget', 'w1', '-n', 'shop', '-o', 'yaml'));
    assert.equal(widget.spec.color, 'blue');
    assert.ok(widget.metadata.uid);
  });

  it('prints tables with the CRD printer columns, by short name and by category', async () => {
    const table = await kubectl('get', 'wd', '-n', 'shop');
    assert.match(table.split('\n')[0] ?? '', /^NAME\s+SIZE\s+AGE/);
    assert.match(table, /^w1\s+3\s+/m);
    const byCategory = await kubectl('get', 'lockstep', '-A');
    assert.match(byCategory, /shop\s+w1\s+3/);
    const deployments = await kubectl('get', 'deployments', '-n', 'shop');
    assert.match(deployments.split('\n')[0] ?? '', /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
  });

  it('waits for rollouts of Deployments, StatefulSets and DaemonSets with kubectl rollout status', async () => {
    const out = await kubectl('rollout', 'status', 'deployment/web', '-n', 'shop', '--timeout=15s');
    assert.match(out, /deployment "web" successfully rolled out/);
    const template =
      'selector: { matchLabels: { app: x } }\n  template:\n    metadata: { labels: { app: x } }\n    spec: { containers: [{ name: x, image: "busybox:1" }] }\n';
    await writeFile(
      join(dir, 'workloads.yaml'),
      `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: { name: db, namespace: shop }\nspec:\n  replicas: 2\n  serviceName: db\n  ${template}---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: { name: agent, namespace: shop }\nspec:\n  ${template}`,
    );
    await kubectl('apply', '-f', join(dir, 'workloads.yaml'));
    assert.match(
      await kubectl('rollout', 'status', 'statefulset/db', '-n', 'shop', '--timeout=15s'),
      /roll out complete: 2 new pods have been updated/,
    );
    assert.match(
      await kubectl('rollout', 'status', 'daemonset/agent', '-n', 'shop', '--timeout=15s'),
      /daemon set "agent" successfully rolled out/,
    );
  });

  it('rejects unknown fields of a custom resource, as server-side field validation does', async () => {
    await writeFile(
      join(dir, 'typo.yaml'),
      'apiVersion: example.lockstep.dev/v1\nkind: Widget\nmetadata: { name: typo, namespace: shop }\nspec: { size: 1, sise: 2 }\n',
    );
    assert.match(await kubectlFails('apply', '-f', join(dir, 'typo.yaml')), /unknown field "spec.sise"/);
  });

  it('patches with --type merge, applies server-side and deletes', async () => {
    await kubectl('patch', 'widget', 'w1', '-n', 'shop', '--type', 'merge', '-p', '{"spec":{"size":7}}');
    assert.equal(await kubectl('get', 'widget', 'w1', '-n', 'shop', '-o', 'jsonpath={.spec.size}'), '7');
    const invalid = await kubectlFails(
      'patch',
      'widget',
      'w1',
      '-n',
      'shop',
      '--type',
      'merge',
      '-p',
      '{"spec":{"size":0}}',
    );
    assert.match(invalid, /is invalid: spec.size/);

    await writeFile(
      join(dir, 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  mode: fast\n',
    );
    assert.match(
      await kubectl('apply', '--server-side', '-f', join(dir, 'cm.yaml')),
      /configmap\/settings serverside-applied/,
    );
    const cm = parse(
      await kubectl('get', 'configmap', 'settings', '-n', 'shop', '-o', 'yaml', '--show-managed-fields'),
    );
    assert.equal(cm.data.mode, 'fast');
    assert.ok(cm.metadata.managedFields.some((m: { manager: string }) => m.manager === 'kubectl'));

    assert.match(await kubectl('delete', '-f', join(dir, 'cm.yaml')), /configmap "settings" deleted/);
    assert.match(await kubectlFails('get', 'configmap', 'settings', '-n', 'shop'), /NotFound|not found/);
  });

  it('streams changes with get -w', async () => {
    const child = spawn(KUBECTL, [
      '--kubeconfig',
      kubeconfig,
      '--cache-dir',
      join(dir, 'cache'),
      'get',
      'widgets',
      '-n',
      'shop',
      '-w',
    ]);
    try {
      let out = '';
      const lines = new Promise<void>((resolve, reject) => {
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (c: string) => {
          out += c;
          if (/w1\s+8/.test(out)) resolve();
        });
        child.on('exit', (code) => reject(new Error(`kubectl get -w exited with ${code}: ${out}`)));
      });
      // Wait for the initial table before changing the object.
      while (!/w1\s+7/.test(out)) await new Promise((r) => setTimeout(r, 50));
      await kubectl('patch', 'widget', 'w1', '-n', 'shop', '--type', 'merge', '-p', '{"spec":{"size":8}}');
      await lines;
      assert.match(out.split('\n')[0] ?? '', /^NAME\s+SIZE\s+AGE/);
    } finally {
      child.kill();
    }
  });

  it('supports the imperative commands whose typed clients send protobuf bodies', async () => {
    assert.match(await kubectl('create', 'namespace', 'tools'), /namespace\/tools created/);
    await kubectl('create', 'secret', 'generic', 'literal', '-n', 'tools', '--from-literal=key=value');
    assert.equal(await kubectl('get', 'secret', 'literal', '-n', 'tools', '-o', 'jsonpath={.data.key}'), 'dmFsdWU=');
    await kubectl('create', 'configmap', 'conf', '-n', 'tools', '--from-literal=a=b');
    await kubectl('create', 'serviceaccount', 'robot', '-n', 'tools');
    const token = (await kubectl('create', 'token', 'robot', '-n', 'tools', '--audience', 'vault')).trim();
    assert.equal(token.split('.').length, 3);
    assert.equal((await kubectl('auth', 'can-i', 'list', 'secrets')).trim(), 'yes');
    assert.match(await kubectl('scale', 'deployment', 'web', '-n', 'shop', '--replicas=3'), /scaled/);
    assert.equal(await kubectl('get', 'deployment', 'web', '-n', 'shop', '-o', 'jsonpath={.spec.replicas}'), '3');
  });

  it('deletes a namespace with everything in it', async () => {
    assert.match(await kubectl('delete', 'namespace', 'shop', '--timeout=15s'), /namespace "shop" deleted/);
    assert.doesNotMatch(await kubectl('get', 'namespaces'), /shop/);
  });
});
