import assert from 'node:assert/strict';
import { type Manifest, renderChart } from '../chart/helm-chart.ts';
import { FAST_LEADER_ARGS, type Ops, waitFor } from './ops-harness.ts';
import { opsTest } from './ops-test.ts';
import { grantedPermissions, type PolicyRule } from './rbac-rules.ts';
import { createEverything, type RbacWorld } from './rbac-scenario.ts';

// The chart's `<kind>/finalizers: update` rules are never requests: kube-apiserver's
// OwnerReferencesPermissionEnforcement admission asks the authorizer for them when a request
// sets blockOwnerDeletion on an owner reference, so the audit log cannot show them used.
// This suite removes them from the chart's RBAC and shows each one needed: the controller's
// create of the object it owns through that kind is refused with 403.

const isFinalizersRule = (rule: PolicyRule) => (rule.resources ?? []).some((r) => r.endsWith('/finalizers'));

/** The rendered RBAC without its /finalizers rules. */
function withoutFinalizerRules(rbac: Manifest[]): Manifest[] {
  return rbac.map((m) =>
    m.kind === 'ClusterRole' || m.kind === 'Role'
      ? { ...m, rules: (m.rules as PolicyRule[]).filter((rule) => !isFinalizersRule(rule)) }
      : m,
  );
}

opsTest(
  {
    suite: 'the /finalizers rules of the Helm chart',
    file: 'rbac-fin',
    editRbac: withoutFinalizerRules,
    expectForbidden: true,
  },
  'without them, every create of an object with a blockOwnerDeletion owner reference is refused',
  async (ops) => {
    const world = await createEverything(ops);
    const leader = ops.lockstep('lockstep-0', FAST_LEADER_ARGS);
    await leader.ready();
    await waitFor('leadership', () => leader.leading());

    // What the chart grants (rendered, not applied): one owner kind per /finalizers resource.
    const granted = (await renderChart())
      .filter((m) => m.kind === 'ClusterRole')
      .flatMap((m) => grantedPermissions(m as never))
      .filter((p) => p.endsWith('/finalizers:update'));
    const ownerKinds = granted.map((p) => p.split('/')[1] as string).sort();
    assert.deepEqual(ownerKinds, Object.keys(world.ownedBy).sort(), 'the scenario owns objects through each kind');

    for (const kind of ownerKinds) {
      const owned = world.ownedBy[kind] as RbacWorld['ownedBy'][string];
      const what = `${owned.resource} ${owned.namespace}/${owned.name} (owned by a ${kind})`;
      const code = await waitFor(`the controller's create of ${what}`, () => createCode(ops, owned));
      assert.equal(
        code,
        403,
        `${what} was created without update on ${kind}/finalizers: kube-apiserver must run the ` +
          'OwnerReferencesPermissionEnforcement admission plugin (--enable-admission-plugins, ' +
          'packages/sandbox/src/control-plane/control-plane.ts) for the chart rules it checks to matter',
      );
    }
    // Everything else the controller did was granted: the only refusals are creates (of the
    // objects it owns through these kinds).
    const refused = ops
      .forbiddenRequests()
      .filter((r) => r.verb !== 'create')
      .map((r) => `${r.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''} ${r.namespace}/${r.name}`);
    assert.deepEqual([...new Set(refused)], [], 'refused requests other than creates');
  },
);

/** The response code of the controller's first create of `owned`, once it tried. */
function createCode(ops: Ops, owned: { resource: string; namespace: string; name: string }): number | undefined {
  return ops
    .controllerRequests()
    .find(
      (r) =>
        r.verb === 'create' &&
        r.resource === owned.resource &&
        r.namespace === owned.namespace &&
        r.name === owned.name,
    )?.code;
}
