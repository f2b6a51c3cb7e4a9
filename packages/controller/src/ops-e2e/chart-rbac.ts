// The controller's identity in the ops tests: exactly the ServiceAccount and RBAC objects
// `helm template` renders for the test's chart values, applied to the real API server, and
// the `--namespace` flags the chart's Deployment would pass with those values.

import { AuthorizationV1Api, type KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { ensureNamespace, type RequestLogEntry } from '@lockstep/sandbox';
import { type Manifest, renderChart } from '../chart/helm-chart.ts';
import { type PolicyRule, type RoleLike, roleGrants } from './rbac-rules.ts';

const RBAC_KINDS = new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);
// kube-apiserver's RBAC authorizer reads roles from an informer: a rule applied a moment ago
// (or removed by the previous suite) may not be in force yet.
const RBAC_SETTLE_MS = 15_000;

export interface ChartRbac {
  /** The ClusterRoles and Roles applied (after `edit`). */
  roles: RoleLike[];
  /** `--namespace=<ns>` for each `watchNamespaces` entry, as the chart's Deployment passes them. */
  namespaceArgs: string[];
  /** Deletes what was applied (cluster-scoped objects survive namespace cleanup otherwise). */
  remove(): Promise<void>;
}

export interface ChartRbacOptions {
  /** Rewrites the rendered RBAC before it is applied: the rbac test drops rules to show they are needed. */
  edit?: (rbac: Manifest[]) => Manifest[];
}

/**
 * Applies the chart's ServiceAccount and RBAC for `values` to the cluster and waits until the
 * API server enforces them: every rule allowed for `user` and, when `edit` removed rules, the
 * removed ones denied.
 */
export async function applyChartRbac(
  kc: KubeConfig,
  values: object,
  user: string,
  opts: ChartRbacOptions = {},
): Promise<ChartRbac> {
  const rendered = await renderChart(values);
  const rendersRbac = rendered.filter((m) => RBAC_KINDS.has(m.kind));
  const rbac = opts.edit ? opts.edit(structuredClone(rendersRbac)) : rendersRbac;
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const namespaces = new Set(rbac.map((m) => m.metadata.namespace).filter((n): n is string => Boolean(n)));
  for (const ns of namespaces) await ensureNamespace(kc, ns);
  for (const m of rbac) {
    await objects.patch(m as never, undefined, undefined, 'lockstep-tests', true, PatchStrategy.ServerSideApply);
  }
  const roles = rbac.filter(isRole) as RoleLike[];
  const removed = rendersRbac.filter(isRole).flatMap((r) => missingRules(r as RoleLike, roles));
  const expectations = [
    ...roles.flatMap((role) => (role.rules ?? []).map((rule) => ({ role, rule, allowed: true }))),
    ...removed.map(({ role, rule }) => ({ role, rule, allowed: false })),
  ];
  // A removed rule whose first permission another applied rule still grants stays allowed.
  await waitUntilEnforced(
    kc,
    user,
    expectations.filter((e) => e.allowed || !roles.some((role) => roleGrants(role, firstRequest(e)))),
  );
  const deployment = rendered.find((m) => m.kind === 'Deployment');
  const args: string[] = deployment?.spec?.template?.spec?.containers?.[0]?.args ?? [];
  return {
    roles,
    namespaceArgs: args.filter((a) => a.startsWith('--namespace=')),
    async remove() {
      for (const m of [...rbac].reverse()) await objects.delete(m as never).catch(() => {});
    },
  };
}

function isRole(m: { kind: string }): boolean {
  return m.kind === 'ClusterRole' || m.kind === 'Role';
}

function missingRules(rendered: RoleLike, applied: RoleLike[]): Array<{ role: RoleLike; rule: PolicyRule }> {
  const same = applied.find(
    (a) =>
      a.kind === rendered.kind &&
      a.metadata.name === rendered.metadata.name &&
      a.metadata.namespace === rendered.metadata.namespace,
  );
  const kept = new Set((same?.rules ?? []).map((r) => JSON.stringify(r)));
  return (rendered.rules ?? []).filter((r) => !kept.has(JSON.stringify(r))).map((rule) => ({ role: rendered, rule }));
}

interface Expectation {
  role: RoleLike;
  rule: PolicyRule;
  allowed: boolean;
}

/** The first group/resource/verb/name a rule names, as the request the review asks about. */
function firstRequest(e: Expectation): RequestLogEntry {
  const [resource = '', subresource] = (e.rule.resources?.[0] ?? '').split('/');
  return {
    time: '',
    user: '',
    verb: e.rule.verbs[0] as RequestLogEntry['verb'],
    group: e.rule.apiGroups?.[0] ?? '',
    version: '',
    resource,
    ...(subresource ? { subresource } : {}),
    ...(e.role.kind === 'Role' && e.role.metadata.namespace ? { namespace: e.role.metadata.namespace } : {}),
    ...(e.rule.resourceNames?.[0] ? { name: e.rule.resourceNames[0] } : {}),
    code: 0,
  };
}

/** Asks a SubjectAccessReview about each rule's first request until each answers as expected. */
async function waitUntilEnforced(kc: KubeConfig, user: string, expectations: Expectation[]): Promise<void> {
  const authz = kc.makeApiClient(AuthorizationV1Api);
  const [, namespace, name] = user.split(':').slice(1);
  const groups = ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'];
  const deadline = Date.now() + RBAC_SETTLE_MS;
  let pending = expectations;
  while (pending.length > 0) {
    const answers = await Promise.all(
      pending.map(async (e) => {
        const r = firstRequest(e);
        const review = await authz.createSubjectAccessReview({
          body: {
            spec: {
              user,
              groups,
              resourceAttributes: {
                group: r.group,
                resource: r.resource,
                verb: r.verb,
                ...(r.subresource ? { subresource: r.subresource } : {}),
                ...(r.name ? { name: r.name } : {}),
                ...(r.namespace ? { namespace: r.namespace } : {}),
              },
            },
          },
        });
        return review.status?.allowed === true;
      }),
    );
    pending = pending.filter((e, i) => answers[i] !== e.allowed);
    if (pending.length === 0) return;
    if (Date.now() > deadline) {
      const what = pending.map(
        (e) => `${e.role.metadata.name}: ${JSON.stringify(e.rule)} ${e.allowed ? 'allowed' : 'denied'}`,
      );
      throw new Error(`the API server does not enforce the applied RBAC for ${name} yet: ${what.join('; ')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
