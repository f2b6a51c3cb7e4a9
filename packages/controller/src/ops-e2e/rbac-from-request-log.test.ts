import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { RELEASE_NAMESPACE } from '../chart/helm-chart.ts';
import { EXTERNAL, externalSecret, secretStore } from '../testing/external-resources.ts';
import { CONTROLLER_USER, FAST_LEADER_ARGS, type Ops, waitFor } from './ops-harness.ts';
import { opsTest } from './ops-test.ts';
import { grantedPermissions, permissionKey, type RoleLike, requestResource, roleGrants } from './rbac-rules.ts';
import { createEverything, exerciseEverything, labelNamespace } from './rbac-scenario.ts';

// Permissions the chart grants that the scenario does not use, each with why it stays.
// Anything granted, unused and not listed here fails the test: remove it from the chart.
// A key is `group/resource:verb` (any role) or `<role> group/resource:verb` (one role).
const NOT_EXERCISED: Record<string, string> = {
  // rolloutRestartTargets of kind argo.Rollout read and patch them; the sandbox has no Argo CRD.
  'argoproj.io/rollouts:get': 'no Argo Rollouts in the sandbox',
  'argoproj.io/rollouts:patch': 'no Argo Rollouts in the sandbox',
  // Workloads are read only to wait for a rollout before revoking the previous lease or
  // certificate; this scenario's re-issue waits on a Deployment (apps/deployments:get is used).
  'apps/statefulsets:get': 'rollout wait on a StatefulSet target not in the scenario',
  'apps/daemonsets:get': 'rollout wait on a DaemonSet target not in the scenario',
  // The VaultDynamicSecret generator (read, and its lease finalizer on the ExternalSecret) needs
  // OpenBao and PostgreSQL, which this scenario does not run: generators-vault-dynamic.test.ts does.
  'generators.lockstep.dev/vaultdynamicsecrets:get': 'VaultDynamicSecret generator: generators-vault-dynamic.test.ts',
  'external.lockstep.dev/externalsecrets:patch':
    'lease finalizer of a leased generator: generators-vault-dynamic.test.ts',
  // The generators beside Password and Fake need moto or a webhook server, which this scenario
  // does not run; their own suites read each one.
  ...Object.fromEntries(
    ['uuids', 'sshkeys', 'stssessiontokens', 'ecrauthorizationtokens', 'clustergenerators'].map((r) => [
      `generators.lockstep.dev/${r}:get`,
      'generator read: generators-more.e2e.test.ts',
    ]),
  ),
  'generators.lockstep.dev/webhooks:get': 'Webhook generator read: webhook.e2e.test.ts',
  // A superseded GeneratorState is marked with its deadline (patch) and collected (delete) only
  // after a rotation: generators-more.e2e.test.ts rotates and waits for the collection.
  'generators.lockstep.dev/generatorstates:patch': 'GeneratorState after a rotation: generators-more.e2e.test.ts',
  'generators.lockstep.dev/generatorstates:delete': 'GeneratorState collection: generators-more.e2e.test.ts',
  // kube-apiserver's OwnerReferencesPermissionEnforcement admission asks the authorizer for
  // these when the controller creates an object whose owner reference sets blockOwnerDeletion;
  // that check is not a request, so the audit log never shows it. rbac-finalizers-needed.test.ts
  // drops them and sees each owned create refused.
  ...Object.fromEntries(
    [
      'external.lockstep.dev/externalsecrets',
      'external.lockstep.dev/clusterexternalsecrets',
      'external.lockstep.dev/clusterpushsecrets',
      'vault.lockstep.dev/vaultstaticsecrets',
      'vault.lockstep.dev/vaultdynamicsecrets',
      'vault.lockstep.dev/vaultpkisecrets',
    ].map((kind) => [`${kind}/finalizers:update`, 'admission check, not a request: rbac-finalizers-needed.test.ts']),
  ),
};

opsTest(
  { suite: 'the Helm chart grants exactly what the controller uses (cluster-wide)', file: 'rbac' },
  'every request the controller made is granted, and every grant was used or is explained',
  async (ops) => {
    const world = await createEverything(ops);
    const leader = ops.lockstep('lockstep-0', FAST_LEADER_ARGS);
    await leader.ready();
    await waitFor('leadership', () => leader.leading());
    await exerciseEverything(ops, world, leader);
    checkGrants(ops, NOT_EXERCISED);
  },
);

// watchNamespaces: two watched namespaces (the chart renders a Role in each and in the
// release namespace), so the controller runs its multi-namespace informers.
const suffix = randomBytes(3).toString('hex');
const WATCHED = [`rbac-ns-a-${suffix}`, `rbac-ns-b-${suffix}`];

opsTest(
  {
    suite: 'the Helm chart grants exactly what the controller uses (watchNamespaces)',
    file: 'rbac-ns',
    chartValues: { watchNamespaces: WATCHED },
  },
  'with --namespace per watched namespace, every request is granted by the rendered Roles, and every grant was used or is explained',
  async (ops) => {
    assert.deepEqual(
      ops.rbac.roles
        .filter((r) => r.kind === 'Role')
        .map((r) => r.metadata.namespace)
        .sort(),
      [...WATCHED, RELEASE_NAMESPACE, RELEASE_NAMESPACE, 'default'].sort(),
      'a Role per watched namespace, one in the release namespace, the leader-election Role and one for events in default',
    );
    const [first, second] = WATCHED as [string, string];
    const world = await createEverything(ops, { namespace: first, alsoSelect: [second] });
    // An unwatched namespace the ClusterExternalSecret also selects, with an ExternalSecret of
    // its own: the controller must leave both alone.
    const unwatched = ops.unique('rbac-unwatched');
    await ops.core.createNamespace({ body: { metadata: { name: unwatched } } });
    await ops.create(secretStore(unwatched, 'fake', { fake: { data: [{ key: 'k', value: 'v' }] } }));
    await ops.create(
      externalSecret(unwatched, 'ignored', {
        refreshInterval: '1s',
        secretStoreRef: { name: 'fake' },
        target: { name: 'ignored' },
        data: [{ secretKey: 'value', remoteRef: { key: 'k' } }],
      }),
    );
    await labelNamespace(ops, unwatched, { 'ops-rbac': world.ces });

    const leader = ops.lockstep('lockstep-0', FAST_LEADER_ARGS);
    await leader.ready();
    await waitFor('leadership', () => leader.leading());
    const provisioned = await waitFor('the ClusterExternalSecret provisioned both watched namespaces', async () => {
      const ces = await ops.get(EXTERNAL, 'ClusterExternalSecret', undefined, world.ces);
      const names: string[] = ces?.status?.provisionedNamespaces ?? [];
      return WATCHED.every((n) => names.includes(n)) ? names : undefined;
    });
    assert.ok(!provisioned.includes(unwatched), 'the unwatched namespace is not provisioned');
    assert.equal(await ops.get(EXTERNAL, 'ExternalSecret', unwatched, 'from-ces'), undefined);

    await exerciseEverything(ops, world, leader);
    // By now the controller has reconciled every watched object many times over.
    const ignored = await ops.get(EXTERNAL, 'ExternalSecret', unwatched, 'ignored');
    assert.equal(ignored?.status?.conditions, undefined, 'the unwatched ExternalSecret got no status');
    assert.equal(await ops.secret(unwatched, 'ignored'), undefined, 'nor a Secret');
    assert.deepEqual(
      ops.controllerRequests().filter((r) => r.namespace === unwatched),
      [],
      'the controller sent no request about the unwatched namespace',
    );
    checkGrants(ops, NOT_EXERCISED, WATCHED);
  },
);

/**
 * Every request of the controller is granted by the applied roles, and every permission each
 * role grants was used by a request that role grants (or is explained in `notExercised`). The
 * Roles of the `watched` namespaces are one template, rendered once per namespace: a
 * permission of it counts as used when it was used in any of them.
 */
function checkGrants(ops: Ops, notExercised: Record<string, string>, watched: string[] = []): void {
  const requests = ops.controllerRequests();
  assert.ok(
    requests.length > 0,
    `no request was made as ${CONTROLLER_USER}: the controller did not use its own identity`,
  );
  const roles = ops.rbac.roles;
  const denied = new Set<string>();
  for (const r of requests) {
    if (!roles.some((role) => roleGrants(role, r)))
      denied.add(`${permissionKey(r.group, requestResource(r), r.verb)} ${r.namespace ?? '(cluster)'}/${r.name ?? ''}`);
  }
  assert.deepEqual([...denied].sort(), [], 'requests the chart does not grant');

  const groups = new Map<string, RoleLike[]>();
  for (const role of roles) {
    const name = roleName(role, watched);
    groups.set(name, [...(groups.get(name) ?? []), role]);
  }
  const unused: string[] = [];
  const explained = new Set<string>();
  for (const [name, group] of groups) {
    const used = new Set(
      requests
        .filter((r) => group.some((role) => roleGrants(role, r)))
        .map((r) => permissionKey(r.group, requestResource(r), r.verb)),
    );
    for (const p of new Set(group.flatMap((role) => grantedPermissions(role)))) {
      if (used.has(p)) continue;
      const key = [`${name} ${p}`, p].find((k) => k in notExercised);
      if (key) explained.add(key);
      else unused.push(`${name} ${p}`);
    }
  }
  assert.deepEqual(unused.sort(), [], 'permissions granted but never used and not explained');
  const stale = Object.keys(notExercised).filter((k) => !explained.has(k));
  assert.deepEqual(stale, [], 'NOT_EXERCISED entries no role needs (used, or no longer granted): remove them');
}

function roleName(role: RoleLike, watched: string[]): string {
  if (role.kind !== 'Role') return `ClusterRole ${role.metadata.name}`;
  const ns = role.metadata.namespace ?? '';
  return `Role ${watched.includes(ns) ? '<watched>' : ns}/${role.metadata.name}`;
}
