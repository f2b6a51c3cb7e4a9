// The kubectl conformance suite: the same kubectl commands against the embedded API server
// (kept for fast unit-level tests) and against the real control plane (kube-apiserver with
// its controllers, under kwok). What the two answer differently and the embedded one does not
// fix is pinned in "differences" below and listed in docs/sandbox.md ("The embedded API
// server and the real one").
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { acquireTestCluster } from '../testing/test-cluster.ts';
import { startApiServer } from './index.ts';

const KUBECTL = new URL('../../../../.tools/bin/kubectl', import.meta.url).pathname;
const run = promisify(execFile);

const SHOP = 'kubectl-shop';
const TOOLS = 'kubectl-tools';
const CRD = 'widgets.example.lockstep.dev';

/** A server the suite drives: where its admin kubeconfig goes, and how to give it back. */
interface KubectlServer {
  /** Real controllers and admission, where the pinned differences go the real way. */
  real: boolean;
  writeKubeconfig(path: string): Promise<void>;
  stop(): Promise<void>;
}

async function embeddedServer(): Promise<KubectlServer> {
  const server = await startApiServer({ port: 0, rolloutDelayMs: 200 });
  return {
    real: false,
    writeKubeconfig: (path) => server.writeKubeconfig(path),
    stop: () => server.stop(),
  };
}

async function realControlPlane(): Promise<KubectlServer> {
  const cluster = await acquireTestCluster('kubectl conformance');
  return {
    real: true,
    writeKubeconfig: (path) => cluster.writeKubeconfig(path),
    stop: () => cluster.stop(),
  };
}

const crdYaml = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${CRD}
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
        - { name: Tags, type: string, jsonPath: .spec.tags, priority: 1 }
        - { name: Expires, type: date, jsonPath: .status.expires, priority: 1 }
        - { name: Age, type: date, jsonPath: .metadata.creationTimestamp }
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [size]
              x-kubernetes-validations:
                - { rule: "self.size <= 100", message: "size is at most 100" }
              properties:
                size: { type: integer, minimum: 1 }
                color: { type: string, default: blue }
                tags: { type: array, items: { type: string } }
            status:
              type: object
              properties:
                expires: { type: string, format: date-time }
`;

const appYaml = `apiVersion: v1
kind: Namespace
metadata:
  name: ${SHOP}
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
  namespace: ${SHOP}
stringData:
  password: hunter2
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${SHOP}
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
  namespace: ${SHOP}
spec:
  size: 3
`;

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const SERVERS = [
  { name: 'the embedded API server', start: embeddedServer },
  { name: 'the real control plane', start: realControlPlane },
];

for (const { name, start } of SERVERS) {
  describe(`kubectl against ${name}`, { timeout: 120_000 }, () => {
    let server: KubectlServer;
    let dir: string;
    let kubeconfig: string;
    // The real controllers take seconds where the embedded simulator takes 200 ms.
    const wait = () => (server.real ? '--timeout=60s' : '--timeout=15s');

    async function kubectl(...args: string[]): Promise<string> {
      const { stdout } = await run(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], {
        timeout: 70_000,
      });
      return stdout;
    }

    async function kubectlFails(...args: string[]): Promise<string> {
      try {
        await kubectl(...args);
      } catch (err) {
        // `auth can-i` answers "no" on stdout with exit code 1.
        const { stdout, stderr } = err as { stdout?: string; stderr?: string };
        return `${stdout ?? ''}${stderr ?? ''}`;
      }
      assert.fail(`kubectl ${args.join(' ')} should have failed`);
    }

    before(async () => {
      server = await start();
      dir = await mkdtemp(join(tmpdir(), 'kubectl-'));
      kubeconfig = join(dir, 'kubeconfig');
      await server.writeKubeconfig(kubeconfig);
      await writeFile(join(dir, 'crd.yaml'), crdYaml);
      await writeFile(join(dir, 'app.yaml'), appYaml);
    });

    after(async () => {
      // The cleanup removes namespaces, not CRDs, and this one is in the lockstep category.
      if (server?.real) await kubectl('delete', 'crd', CRD, '--ignore-not-found', wait()).catch(() => {});
      await server?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('applies a CRD, waits until it is Established, then a Namespace, Secret, Deployment and custom resource', async () => {
      assert.match(await kubectl('apply', '-f', join(dir, 'crd.yaml')), /widgets.example.lockstep.dev created/);
      await kubectl('wait', '--for=condition=Established', `crd/${CRD}`, wait());
      const out = await kubectl('apply', '-f', join(dir, 'app.yaml'));
      assert.match(out, new RegExp(`namespace/${SHOP} created`));
      assert.match(out, /secret\/creds created/);
      assert.match(out, /deployment.apps\/web created/);
      assert.match(out, /widget.example.lockstep.dev\/w1 created/);
      const again = await kubectl('apply', '-f', join(dir, 'app.yaml'));
      assert.match(again, /deployment.apps\/web unchanged/);
      assert.match(again, /widget.example.lockstep.dev\/w1 unchanged/);
    });

    it('shows objects with get -o yaml, the schema default included', async () => {
      const secret = parse(await kubectl('get', 'secret', 'creds', '-n', SHOP, '-o', 'yaml'));
      assert.equal(Buffer.from(secret.data.password, 'base64').toString(), 'hunter2');
      const widget = parse(await kubectl('get', 'widget', 'w1', '-n', SHOP, '-o', 'yaml'));
      assert.equal(widget.spec.color, 'blue');
      assert.ok(widget.metadata.uid);
    });

    it('prints tables with the CRD printer columns, by short name and by category', async () => {
      const table = await kubectl('get', 'wd', '-n', SHOP);
      assert.match(table.split('\n')[0] ?? '', /^NAME\s+SIZE\s+AGE/);
      assert.match(table, /^w1\s+3\s+/m);
      // kubectl names rows kind.group/name when the category spans several kinds (the Lockstep CRDs).
      const byCategory = await kubectl('get', 'lockstep', '-A');
      assert.match(byCategory, new RegExp(`${SHOP}\\s+(widget.example.lockstep.dev/)?w1\\s+3`));
      const deployments = await kubectl('get', 'deployments', '-n', SHOP);
      assert.match(deployments.split('\n')[0] ?? '', /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    });

    it('formats printer column cells on the server: JSON for a list, an age for a date, <invalid> for a future one', async () => {
      await kubectl('patch', 'widget', 'w1', '-n', SHOP, '--type', 'merge', '-p', '{"spec":{"tags":["a","b"]}}');
      const status = (expires: number) => JSON.stringify({ status: { expires: rfc3339(expires) } });
      const patchStatus = (body: string) =>
        kubectl('patch', 'widget', 'w1', '-n', SHOP, '--subresource=status', '--type=merge', '-p', body);
      await patchStatus(status(Date.now() + 3_600_000));
      const future = await kubectl('get', 'wd', 'w1', '-n', SHOP, '-o', 'wide');
      assert.match(future.split('\n')[0] ?? '', /^NAME\s+SIZE\s+TAGS\s+EXPIRES\s+AGE/);
      assert.match(future, /^w1\s+3\s+\["a","b"\]\s+<invalid>\s+\d+s/m);
      await patchStatus(status(Date.now() - 3 * 3_600_000));
      assert.match(await kubectl('get', 'wd', 'w1', '-n', SHOP, '-o', 'wide'), /^w1\s+3\s+\["a","b"\]\s+3h\S*\s+\d+s/m);
    });

    it('waits for rollouts of Deployments, StatefulSets and DaemonSets with kubectl rollout status', async () => {
      const out = await kubectl('rollout', 'status', 'deployment/web', '-n', SHOP, wait());
      assert.match(out, /deployment "web" successfully rolled out/);
      const template =
        'selector: { matchLabels: { app: x } }\n  template:\n    metadata: { labels: { app: x } }\n    spec: { containers: [{ name: x, image: "busybox:1" }] }\n';
      await writeFile(
        join(dir, 'workloads.yaml'),
        `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: { name: db, namespace: ${SHOP} }\nspec:\n  replicas: 2\n  serviceName: db\n  ${template}---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: { name: agent, namespace: ${SHOP} }\nspec:\n  ${template}`,
      );
      await kubectl('apply', '-f', join(dir, 'workloads.yaml'));
      assert.match(
        await kubectl('rollout', 'status', 'statefulset/db', '-n', SHOP, wait()),
        /roll out complete: 2 new pods have been updated/,
      );
      assert.match(
        await kubectl('rollout', 'status', 'daemonset/agent', '-n', SHOP, wait()),
        /daemon set "agent" successfully rolled out/,
      );
    });

    it('prints the workload and CRD tables of kube-apiserver, -o wide columns included', async () => {
      const wide = await kubectl('get', 'deployments,statefulsets,daemonsets', '-n', SHOP, '-o', 'wide');
      assert.match(wide, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/m);
      assert.match(wide, /^deployment.apps\/web\s+2\/2\s+2\s+2\s+\S+\s+web\s+nginx:1\.27\s+app=web$/m);
      assert.match(wide, /^NAME\s+READY\s+AGE\s+CONTAINERS\s+IMAGES$/m);
      assert.match(wide, /^statefulset.apps\/db\s+2\/2\s+\S+\s+x\s+busybox:1$/m);
      assert.match(
        wide,
        /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/m,
      );
      assert.match(wide, /^daemonset.apps\/agent\s+(\d+)\s+\1\s+\1\s+\1\s+\1\s+<none>\s+\S+\s+x\s+busybox:1\s+app=x$/m);
      assert.match(await kubectl('get', 'crd', CRD), /^NAME\s+CREATED AT\nwidgets\S+\s+\d{4}-\d\d-\d\dT[\d:]+Z$/m);
    });

    it('rejects unknown fields of a custom resource, as server-side field validation does', async () => {
      await writeFile(
        join(dir, 'typo.yaml'),
        `apiVersion: example.lockstep.dev/v1\nkind: Widget\nmetadata: { name: typo, namespace: ${SHOP} }\nspec: { size: 1, sise: 2 }\n`,
      );
      assert.match(await kubectlFails('apply', '-f', join(dir, 'typo.yaml')), /unknown field "spec.sise"/);
    });

    it('answers 500 to a create that carries a resourceVersion', async () => {
      const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'versioned', resourceVersion: '42' } };
      await writeFile(join(dir, 'versioned.json'), JSON.stringify(body));
      const err = await kubectlFails(
        'create',
        '--raw',
        `/api/v1/namespaces/${SHOP}/configmaps`,
        '-f',
        join(dir, 'versioned.json'),
      );
      assert.match(err, /resourceVersion should not be set on objects to be created/);
    });

    it('patches with --type merge, applies server-side and deletes', async () => {
      await kubectl('patch', 'widget', 'w1', '-n', SHOP, '--type', 'merge', '-p', '{"spec":{"size":7}}');
      assert.equal(await kubectl('get', 'widget', 'w1', '-n', SHOP, '-o', 'jsonpath={.spec.size}'), '7');
      const invalid = await kubectlFails(
        'patch',
        'widget',
        'w1',
        '-n',
        SHOP,
        '--type',
        'merge',
        '-p',
        '{"spec":{"size":0}}',
      );
      assert.match(invalid, /is invalid: spec.size/);

      await writeFile(
        join(dir, 'cm.yaml'),
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${SHOP}\ndata:\n  mode: fast\n`,
      );
      assert.match(
        await kubectl('apply', '--server-side', '-f', join(dir, 'cm.yaml')),
        /configmap\/settings serverside-applied/,
      );
      const cm = parse(
        await kubectl('get', 'configmap', 'settings', '-n', SHOP, '-o', 'yaml', '--show-managed-fields'),
      );
      assert.equal(cm.data.mode, 'fast');
      assert.ok(cm.metadata.managedFields.some((m: { manager: string }) => m.manager === 'kubectl'));

      assert.match(await kubectl('delete', '-f', join(dir, 'cm.yaml')), /configmap "settings" deleted/);
      assert.match(await kubectlFails('get', 'configmap', 'settings', '-n', SHOP), /NotFound|not found/);
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
        SHOP,
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
        await kubectl('patch', 'widget', 'w1', '-n', SHOP, '--type', 'merge', '-p', '{"spec":{"size":8}}');
        await lines;
        assert.match(out.split('\n')[0] ?? '', /^NAME\s+SIZE\s+AGE/);
      } finally {
        child.kill();
      }
    });

    it('supports the imperative commands whose typed clients send protobuf bodies', async () => {
      assert.match(await kubectl('create', 'namespace', TOOLS), new RegExp(`namespace/${TOOLS} created`));
      await kubectl('create', 'secret', 'generic', 'literal', '-n', TOOLS, '--from-literal=key=value');
      assert.equal(await kubectl('get', 'secret', 'literal', '-n', TOOLS, '-o', 'jsonpath={.data.key}'), 'dmFsdWU=');
      await kubectl('create', 'configmap', 'conf', '-n', TOOLS, '--from-literal=a=b');
      await kubectl('create', 'serviceaccount', 'robot', '-n', TOOLS);
      const token = (await kubectl('create', 'token', 'robot', '-n', TOOLS, '--audience', 'vault')).trim();
      assert.equal(token.split('.').length, 3);
      assert.equal((await kubectl('auth', 'can-i', 'list', 'secrets')).trim(), 'yes');
      assert.match(await kubectl('scale', 'deployment', 'web', '-n', SHOP, '--replicas=3'), /scaled/);
      assert.equal(await kubectl('get', 'deployment', 'web', '-n', SHOP, '-o', 'jsonpath={.spec.replicas}'), '3');
    });

    describe('differences (docs/sandbox.md, "The embedded API server and the real one")', () => {
      it('RBAC: a ServiceAccount without a RoleBinding may list Secrets only on the embedded server', async () => {
        const asRobot = `--as=system:serviceaccount:${TOOLS}:robot`;
        if (server.real) {
          assert.match(await kubectlFails('auth', 'can-i', 'list', 'secrets', '-n', TOOLS, asRobot), /^no/);
          assert.match(await kubectlFails('get', 'secrets', '-n', TOOLS, asRobot), /Forbidden/);
        } else {
          assert.equal((await kubectl('auth', 'can-i', 'list', 'secrets', '-n', TOOLS, asRobot)).trim(), 'yes');
        }
      });

      it('CEL: x-kubernetes-validations rules hold only on the real server', async () => {
        const patch = ['patch', 'widget', 'w1', '-n', SHOP, '--type', 'merge', '-p', '{"spec":{"size":101}}'];
        if (server.real) {
          assert.match(await kubectlFails(...patch), /size is at most 100/);
        } else {
          await kubectl(...patch);
          await kubectl('patch', 'widget', 'w1', '-n', SHOP, '--type', 'merge', '-p', '{"spec":{"size":8}}');
        }
      });

      it('workloads: the real controllers make ReplicaSets and Pods, the embedded simulator only writes status', async () => {
        if (server.real) {
          assert.match(
            await kubectl('get', 'replicasets', '-n', SHOP, '-l', 'app=web', '-o', 'name'),
            /replicaset.apps\/web-/,
          );
          // Pods of an older ReplicaSet may still be terminating: wait on the rollout, then
          // look for Running Pods of the current one (kwok runs them).
          await kubectl('rollout', 'status', 'deployment/web', '-n', SHOP, wait());
          assert.match(
            await kubectl(
              'get',
              'pods',
              '-n',
              SHOP,
              '-l',
              'app=web',
              '--field-selector=status.phase=Running',
              '-o',
              'name',
            ),
            /pod\/web-/,
          );
        } else {
          assert.match(
            await kubectlFails('get', 'replicasets', '-n', SHOP),
            /the server doesn't have a resource type "replicasets"/,
          );
        }
      });
    });

    it('deletes a namespace with everything in it', async () => {
      assert.match(await kubectl('delete', 'namespace', SHOP, wait()), new RegExp(`namespace "${SHOP}" deleted`));
      assert.doesNotMatch(await kubectl('get', 'namespaces'), new RegExp(SHOP));
    });
  });
}
