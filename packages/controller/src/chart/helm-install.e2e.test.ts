// `helm install` of charts/lockstep into the real control plane: every rendered object must
// be accepted by kube-apiserver (schema, RBAC escalation checks, admission), and the
// Deployment's Pods must become Ready (kwok runs them), with the default values, with
// `watchNamespaces`, and with the Prometheus Operator's kinds once their CRDs exist.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AppsV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { acquireTestCluster, applyCrds, ensureNamespace, type TestCluster } from '@lockstep/sandbox';
import { CHART_DIR, HELM, KUBECTL, RELEASE, RELEASE_NAMESPACE, requireTool, run } from './helm-chart.ts';

describe('helm install on the real control plane', { timeout: 600_000 }, () => {
  let cluster: TestCluster;
  let dir: string;
  let kubeconfig: string;

  before(async () => {
    requireTool(HELM);
    requireTool(KUBECTL);
    cluster = await acquireTestCluster('helm install');
    dir = await mkdtemp(join(tmpdir(), 'lockstep-helm-'));
    kubeconfig = join(dir, 'kubeconfig');
    await cluster.writeKubeconfig(kubeconfig);
  });
  after(async () => {
    await helm(['uninstall', RELEASE, '-n', RELEASE_NAMESPACE, '--ignore-not-found', '--wait']).catch(() => {});
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const helm = async (args: string[], values?: object) => {
    const file = join(dir, 'values.json');
    await writeFile(file, JSON.stringify(values ?? {}));
    const result = await run(HELM, ['--kubeconfig', kubeconfig, ...args, ...(values ? ['-f', file] : [])]);
    assert.equal(result.code, 0, `helm ${args[0]}: ${result.stderr}`);
    return result.stdout;
  };
  const install = (values: object) =>
    helm(
      [
        'upgrade',
        '--install',
        RELEASE,
        CHART_DIR,
        '-n',
        RELEASE_NAMESPACE,
        '--create-namespace',
        '--wait',
        '--timeout',
        '180s',
      ],
      values,
    );

  async function readyPods(): Promise<number> {
    const apps = cluster.kc.makeApiClient(AppsV1Api);
    const d = await apps.readNamespacedDeployment({ namespace: RELEASE_NAMESPACE, name: RELEASE });
    return d.status?.readyReplicas ?? 0;
  }

  it('installs with the default values: every object accepted, the Deployment Ready', async () => {
    await install({});
    assert.equal(await readyPods(), 2, 'both replicas Ready under kwok');
    const manifest = await helm(['get', 'manifest', RELEASE, '-n', RELEASE_NAMESPACE]);
    for (const kind of [
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'Role',
      'RoleBinding',
      'Service',
      'Deployment',
      'PodDisruptionBudget',
    ]) {
      assert.match(manifest, new RegExp(`^kind: ${kind}$`, 'm'), `${kind} installed`);
    }
    assert.doesNotMatch(
      manifest,
      /^kind: (ServiceMonitor|PrometheusRule)$/m,
      'no Prometheus Operator kinds by default',
    );
    const rbac = cluster.kc.makeApiClient(RbacAuthorizationV1Api);
    const role = await rbac.readClusterRole({ name: RELEASE });
    assert.ok((role.rules ?? []).length > 0, 'the ClusterRole holds its rules');
  });

  it('upgrades to watchNamespaces: namespaced Roles in each watched namespace, Deployment Ready', async () => {
    for (const ns of ['helm-team-a', 'helm-team-b']) await ensureNamespace(cluster.kc, ns);
    await install({ watchNamespaces: ['helm-team-a', 'helm-team-b'] });
    assert.equal(await readyPods(), 2);
    const rbac = cluster.kc.makeApiClient(RbacAuthorizationV1Api);
    for (const ns of ['helm-team-a', 'helm-team-b']) {
      const bindings = await rbac.listNamespacedRoleBinding({ namespace: ns });
      assert.ok(bindings.items.length > 0, `a RoleBinding in ${ns}`);
    }
  });

  it('renders ServiceMonitor and PrometheusRule once the Prometheus Operator CRDs exist', async () => {
    const crdDir = join(dir, 'monitoring-crds');
    await writeMonitoringCrds(crdDir);
    await applyCrds(cluster.kubeconfig(), [crdDir]);
    await install({ serviceMonitor: { enabled: true }, prometheusRule: { enabled: true } });
    const manifest = await helm(['get', 'manifest', RELEASE, '-n', RELEASE_NAMESPACE]);
    assert.match(manifest, /^kind: ServiceMonitor$/m);
    assert.match(manifest, /^kind: PrometheusRule$/m);
    assert.equal(await readyPods(), 2);
  });
});

/** Minimal stand-ins for the Prometheus Operator's two CRDs (schema open, as the kinds are only stored here). */
async function writeMonitoringCrds(crdDir: string): Promise<void> {
  await mkdir(crdDir, { recursive: true });
  for (const [kind, plural] of [
    ['ServiceMonitor', 'servicemonitors'],
    ['PrometheusRule', 'prometheusrules'],
  ] as const) {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${plural}.monitoring.coreos.com` },
      spec: {
        group: 'monitoring.coreos.com',
        scope: 'Namespaced',
        names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    };
    await writeFile(join(crdDir, `${plural}.yaml`), JSON.stringify(crd));
  }
}
