import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { createMetrics } from '@lockstep/core';
import { LEADER_LEASE_NAME } from '../leader/leader-elector.ts';
import {
  CHART_DIR,
  HELM,
  helmWithValues,
  KUBECTL,
  type Manifest,
  only,
  parseManifests,
  RELEASE_NAMESPACE,
  REPO_ROOT,
  renderChart,
  requireTool,
} from './helm-chart.ts';

const FULLNAME = 'lockstep';
const SECRET_VERBS = ['get', 'list', 'watch', 'create', 'update', 'delete'];

const VALUE_SETS: Record<string, object> = {
  default: {},
  monitoring: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true } },
  watchedNamespaces: { watchNamespaces: ['team-a', 'team-b'] },
  vaultNativeDisabled: { vaultNative: { enabled: false } },
};

before(() => {
  requireTool(HELM);
  requireTool(KUBECTL);
});

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };

/** The verbs `rules` grant on `group`/`resource` (without resourceNames restrictions when `unrestricted`). */
function verbsOn(rules: Rule[], group: string, resource: string, unrestricted = false): Set<string> {
  const verbs = new Set<string>();
  for (const r of rules) {
    if (!r.apiGroups.includes(group) || !r.resources.includes(resource)) continue;
    if (unrestricted && r.resourceNames) continue;
    for (const v of r.verbs) verbs.add(v);
  }
  return verbs;
}

function controller(docs: Manifest[]) {
  const deployment = only(docs, 'Deployment', FULLNAME);
  const container = deployment.spec.template.spec.containers[0];
  return { deployment, pod: deployment.spec.template.spec, container, args: container.args as string[] };
}

/** The Pod Security Standard "restricted" profile's checks, applied to a pod spec. */
function restrictedViolations(pod: Manifest['spec']): string[] {
  const problems: string[] = [];
  const podSc = pod.securityContext ?? {};
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push('host namespaces');
  for (const v of pod.volumes ?? []) if (v.hostPath) problems.push(`hostPath volume ${v.name}`);
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) problems.push(`${c.name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${c.name}: allowPrivilegeEscalation must be false`);
    if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) problems.push(`${c.name}: runAsNonRoot must be true`);
    if ((sc.runAsUser ?? podSc.runAsUser) === 0) problems.push(`${c.name}: runAsUser 0`);
    const seccomp = (sc.seccompProfile ?? podSc.seccompProfile)?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${c.name}: seccompProfile`);
    if (!sc.capabilities?.drop?.includes('ALL')) problems.push(`${c.name}: capabilities must drop ALL`);
    for (const cap of sc.capabilities?.add ?? [])
      if (cap !== 'NET_BIND_SERVICE') problems.push(`${c.name}: adds capability ${cap}`);
  }
  return problems;
}

async function chartCrds(): Promise<Manifest[]> {
  const dir = join(REPO_ROOT, 'crds');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml'));
  return (await Promise.all(files.map(async (f) => parseManifests(await readFile(join(dir, f), 'utf8'))))).flat();
}

describe('the Helm chart', () => {
  it('passes helm lint --strict with every tested value set', async () => {
    for (const [name, values] of Object.entries(VALUE_SETS)) {
      const result = await helmWithValues(['lint', '--strict', CHART_DIR], values);
      assert.equal(result.code, 0, `${name}: ${result.stdout}${result.stderr}`);
    }
  });

  it('ships the same CRD files as crds/ (make manifests copies them)', async () => {
    const repo = (await readdir(join(REPO_ROOT, 'crds'))).filter((f) => f.endsWith('.yaml')).sort();
    const chart = (await readdir(join(CHART_DIR, 'crds'))).filter((f) => f.endsWith('.yaml')).sort();
    assert.deepEqual(chart, repo);
    for (const f of repo) {
      const same =
        (await readFile(join(REPO_ROOT, 'crds', f), 'utf8')) === (await readFile(join(CHART_DIR, 'crds', f), 'utf8'));
      assert.ok(same, `charts/lockstep/crds/${f} differs from crds/${f}: run \`make manifests\``);
    }
  });

  it('runs two replicas with leader election, both models and a restricted security context by default', async () => {
    const docs = await renderChart();
    const { deployment, pod, container, args } = controller(docs);
    assert.equal(deployment.metadata.namespace, RELEASE_NAMESPACE);
    assert.equal(deployment.spec.replicas, 2);
    assert.deepEqual(deployment.spec.strategy.rollingUpdate, { maxSurge: 1, maxUnavailable: 0 });
    for (const flag of ['--leader-elect', '--enable-generic', '--enable-vault-native'])
      assert.ok(args.includes(flag), `${flag} in ${args.join(' ')}`);
    assert.ok(args.includes(`--controller-namespace=${RELEASE_NAMESPACE}`));
    assert.ok(args.includes('--log-level=info'));
    assert.equal(
      args.some((a) => a.startsWith('--namespace')),
      false,
      'watches every namespace',
    );

    assert.deepEqual(restrictedViolations(pod), []);
    assert.equal(pod.securityContext.runAsUser, 65532);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(pod.serviceAccountName, FULLNAME);
    assert.ok(container.resources.requests.cpu && container.resources.requests.memory);
    assert.ok(container.resources.limits.memory);

    // Probes and ports line up with the bind-address flags.
    const ports = Object.fromEntries(container.ports.map((p: { name: string; containerPort: number }) => [p.name, p]));
    assert.ok(args.includes(`--health-probe-bind-address=:${ports.health.containerPort}`));
    assert.ok(args.includes(`--metrics-bind-address=:${ports.metrics.containerPort}`));
    assert.deepEqual(container.livenessProbe.httpGet, { path: '/healthz', port: 'health' });
    assert.deepEqual(container.readinessProbe.httpGet, { path: '/readyz', port: 'health' });
    assert.ok(
      pod.terminationGracePeriodSeconds * 1000 >
        Number(args.find((a) => a.startsWith('--shutdown-timeout='))?.split('=')[1]),
      'the Lease is released before the kubelet kills the pod',
    );

    const podLabels = deployment.spec.template.metadata.labels;
    const pdb = only(docs, 'PodDisruptionBudget');
    assert.equal(pdb.apiVersion, 'policy/v1');
    assert.equal(pdb.spec.minAvailable, 1);
    assert.deepEqual(pdb.spec.selector.matchLabels, deployment.spec.selector.matchLabels);
    for (const [k, v] of Object.entries(pdb.spec.selector.matchLabels)) assert.equal(podLabels[k], v);

    const service = only(docs, 'Service', `${FULLNAME}-metrics`);
    for (const [k, v] of Object.entries(service.spec.selector)) assert.equal(podLabels[k], v);
    assert.deepEqual(
      service.spec.ports.map((p: { name: string; targetPort: string }) => [p.name, p.targetPort]),
      [['metrics', 'metrics']],
    );
    assert.equal(
      docs.some((d) => d.kind === 'ServiceMonitor' || d.kind === 'PrometheusRule'),
      false,
      'monitoring objects are opt-in',
    );
  });

  it('grants least privilege: the controller kinds, Secrets, and the leader Lease only in its namespace', async () => {
    const docs = await renderChart();
    const role = only(docs, 'ClusterRole', FULLNAME);
    const rules = role.rules as Rule[];
    for (const r of docs
      .filter((d) => d.kind === 'ClusterRole' || d.kind === 'Role')
      .flatMap((d) => d.rules as Rule[])) {
      assert.ok(!r.verbs.includes('*') && !r.resources.includes('*') && !r.apiGroups.includes('*'), 'no wildcards');
    }
    assert.deepEqual([...verbsOn(rules, '', 'secrets')].sort(), [...SECRET_VERBS].sort());
    assert.deepEqual([...verbsOn(rules, '', 'configmaps')], ['get']);
    assert.deepEqual([...verbsOn(rules, '', 'namespaces')].sort(), ['list', 'watch']);
    assert.deepEqual([...verbsOn(rules, '', 'serviceaccounts/token')], ['create']);
    assert.deepEqual([...verbsOn(rules, '', 'events')], ['create']);
    for (const workload of ['deployments', 'statefulsets', 'daemonsets'])
      assert.deepEqual([...verbsOn(rules, 'apps', workload)].sort(), ['get', 'patch']);
    assert.deepEqual([...verbsOn(rules, 'argoproj.io', 'rollouts')].sort(), ['get', 'patch']);
    assert.equal(verbsOn(rules, 'authentication.k8s.io', 'tokenreviews').size, 0, 'OpenBao reviews tokens, not us');
    assert.equal(verbsOn(rules, '', 'serviceaccounts').size, 0, 'no access to service accounts themselves');
    assert.equal(verbsOn(rules, 'coordination.k8s.io', 'leases').size, 0, 'no cluster-wide Lease access');

    // Every reconciled kind: list and watch (informers) and a /status patch. The exact rule set
    // is derived from the controller's requests in ops-e2e/rbac-from-request-log.test.ts.
    for (const crd of await chartCrds()) {
      const { group, names } = crd.spec;
      if (group === 'generators.lockstep.dev') continue;
      const verbs = verbsOn(rules, group, names.plural);
      for (const v of ['list', 'watch']) assert.ok(verbs.has(v), `${v} ${names.plural}.${group}`);
      assert.ok(verbsOn(rules, group, `${names.plural}/status`).has('patch'), `${names.plural}/status`);
    }
    // PushSecret: its informer, the finalizer that removes what was pushed (a metadata patch), and
    // the PushSecrets a ClusterPushSecret creates, replaces and deletes.
    assert.deepEqual([...verbsOn(rules, 'external.lockstep.dev', 'pushsecrets')].sort(), [
      'create',
      'delete',
      'list',
      'patch',
      'update',
      'watch',
    ]);

    const binding = only(docs, 'ClusterRoleBinding', FULLNAME);
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: FULLNAME });
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: FULLNAME, namespace: RELEASE_NAMESPACE }]);
    assert.equal(only(docs, 'ServiceAccount', FULLNAME).metadata.namespace, RELEASE_NAMESPACE);

    const leaderRole = only(docs, 'Role', `${FULLNAME}-leader-election`, RELEASE_NAMESPACE);
    const leaseRules = leaderRole.rules as Rule[];
    assert.deepEqual([...verbsOn(leaseRules, 'coordination.k8s.io', 'leases', true)], ['create']);
    const named = leaseRules.find((r) => r.resourceNames);
    assert.deepEqual(named?.resourceNames, [LEADER_LEASE_NAME], 'the Lease name matches the binary');
    assert.deepEqual([...(named?.verbs ?? [])].sort(), ['get', 'update']);
    const leaderBinding = only(docs, 'RoleBinding', `${FULLNAME}-leader-election`, RELEASE_NAMESPACE);
    assert.equal(leaderBinding.roleRef.name, leaderRole.metadata.name);
  });

  it('with watched namespaces passes --namespace and grants Secret access by one Role per namespace', async () => {
    const docs = await renderChart(VALUE_SETS.watchedNamespaces);
    const { args } = controller(docs);
    assert.deepEqual(
      args.filter((a) => a.startsWith('--namespace')),
      ['--namespace=team-a', '--namespace=team-b'],
    );
    const clusterRules = only(docs, 'ClusterRole', FULLNAME).rules as Rule[];
    assert.equal(verbsOn(clusterRules, '', 'secrets').size, 0, 'no cluster-wide Secret access');
    assert.equal(verbsOn(clusterRules, 'apps', 'deployments').size, 0, 'no cluster-wide workload access');
    assert.ok(verbsOn(clusterRules, 'external.lockstep.dev', 'clustersecretstores').has('watch'));
    for (const ns of ['team-a', 'team-b', RELEASE_NAMESPACE]) {
      const role = only(docs, 'Role', FULLNAME, ns);
      if (ns !== RELEASE_NAMESPACE) {
        assert.deepEqual([...verbsOn(role.rules, '', 'secrets')].sort(), [...SECRET_VERBS].sort(), ns);
        assert.deepEqual([...verbsOn(role.rules, 'apps', 'deployments')].sort(), ['get', 'patch'], ns);
      }
      const binding = only(docs, 'RoleBinding', FULLNAME, ns);
      assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: FULLNAME });
      assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: FULLNAME, namespace: RELEASE_NAMESPACE }]);
    }
    assert.equal(docs.filter((d) => d.kind === 'Role' && d.metadata.name === FULLNAME).length, 3);
    // The unwatched release namespace holds only the controller's own state Secrets (by name,
    // but create) and events about the `default` VaultConnection and VaultAuth.
    const state = only(docs, 'Role', FULLNAME, RELEASE_NAMESPACE).rules as Rule[];
    assert.deepEqual([...verbsOn(state, '', 'secrets', true)], ['create']);
    assert.deepEqual([...verbsOn(state, '', 'events')], ['create']);
    assert.equal(verbsOn(state, 'apps', 'deployments').size, 0, 'no workloads in the release namespace');
    // Events about cluster-scoped objects go to `default`: create events there, nothing else.
    const events = only(docs, 'Role', `${FULLNAME}-cluster-events`, 'default').rules as Rule[];
    assert.deepEqual(events, [{ apiGroups: [''], resources: ['events'], verbs: ['create'] }]);
    assert.equal(
      only(docs, 'RoleBinding', `${FULLNAME}-cluster-events`, 'default').roleRef.name,
      `${FULLNAME}-cluster-events`,
    );
  });

  it('turns models off by their values, and refuses to render with none enabled', async () => {
    const { args } = controller(await renderChart(VALUE_SETS.vaultNativeDisabled));
    assert.ok(args.includes('--enable-generic'));
    assert.ok(!args.includes('--enable-vault-native'));
    const genericOff = controller(await renderChart({ generic: { enabled: false } })).args;
    assert.ok(genericOff.includes('--enable-vault-native') && !genericOff.includes('--enable-generic'));
    await assert.rejects(
      renderChart({ generic: { enabled: false }, vaultNative: { enabled: false } }),
      /enable at least one model/,
    );
  });

  it('passes the tenant-boundary switches only when they are turned on', async () => {
    const defaults = controller(await renderChart({})).args;
    assert.ok(!defaults.includes('--allow-cluster-store-ambient-credentials'));
    assert.ok(!defaults.includes('--refuse-insecure-transport'));
    const on = controller(
      await renderChart({ allowClusterStoreAmbientCredentials: true, refuseInsecureTransport: true }),
    ).args;
    assert.ok(on.includes('--allow-cluster-store-ambient-credentials'));
    assert.ok(on.includes('--refuse-insecure-transport'));
  });

  it('passes the scheduling, logging and class values through to the pod', async () => {
    const values = {
      controllerClass: 'team-x',
      logLevel: 'debug',
      image: { repository: 'registry.example/lockstep', tag: '1.2.3' },
      podAnnotations: { 'example.com/scrape': 'yes' },
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ops', effect: 'NoSchedule' }],
      affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
      replicaCount: 3,
    };
    const { deployment, pod, container, args } = controller(await renderChart(values));
    assert.ok(args.includes('--controller-class=team-x') && args.includes('--log-level=debug'));
    assert.equal(container.image, 'registry.example/lockstep:1.2.3');
    assert.deepEqual(deployment.spec.template.metadata.annotations, values.podAnnotations);
    assert.deepEqual(pod.nodeSelector, values.nodeSelector);
    assert.deepEqual(pod.tolerations, values.tolerations);
    assert.deepEqual(pod.affinity, values.affinity);
    assert.equal(deployment.spec.replicas, 3);
    const single = await renderChart({ replicaCount: 1, leaderElection: { enabled: false } });
    assert.equal(
      single.some((d) => d.kind === 'PodDisruptionBudget'),
      false,
      'no PDB that would block node drains with one replica',
    );
    assert.ok(!controller(single).args.includes('--leader-elect'));
    const invalid = await helmWithValues(['template', 'x', CHART_DIR], { logLevel: 'verbose' });
    assert.notEqual(invalid.code, 0, 'values.schema.json rejects an unknown log level');
  });

  it('renders a ServiceMonitor and alerts on metrics the controller really exports', async () => {
    const docs = await renderChart(VALUE_SETS.monitoring);
    const service = only(docs, 'Service', `${FULLNAME}-metrics`);
    const monitor = only(docs, 'ServiceMonitor', FULLNAME);
    assert.equal(monitor.apiVersion, 'monitoring.coreos.com/v1');
    for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels))
      assert.equal(service.metadata.labels?.[k], v, `ServiceMonitor selects the metrics Service by ${k}`);
    assert.deepEqual(
      monitor.spec.endpoints.map((e: { port: string; path: string }) => [e.port, e.path]),
      [['metrics', '/metrics']],
    );

    const rule = only(docs, 'PrometheusRule', FULLNAME);
    assert.equal(rule.apiVersion, 'monitoring.coreos.com/v1');
    const alerts = Object.fromEntries(
      rule.spec.groups.flatMap((g: { rules: { alert: string; expr: string }[] }) =>
        g.rules.map((r) => [r.alert, r.expr]),
      ),
    );
    assert.match(alerts.LockstepSyncErrors, /rate\(lockstep_reconcile_total\{result="error"/);
    assert.match(alerts.LockstepLeaseExpiringSoon, /lockstep_lease_earliest_expiry_seconds\{[^}]*\}\) < 300$/);
    assert.ok(alerts.LockstepDown);

    // The metric names in the alerts are the ones the controller's /metrics serves.
    const metrics = createMetrics();
    metrics.recordReconcile({ queue: 'ExternalSecret', key: 'ns/x', result: 'error', durationMs: 5 });
    metrics.setEarliestLeaseExpiry(new Date(Date.now() + 60_000), 'VaultDynamicSecret');
    const exposition = await metrics.render();
    assert.match(exposition, /^lockstep_reconcile_total\{[^}]*result="error"[^}]*\} 1/m);
    assert.match(exposition, /^lockstep_lease_earliest_expiry_seconds\{[^}]*\} \d/m);
  });
});
