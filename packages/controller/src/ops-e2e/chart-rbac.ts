import { type KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { ensureNamespace } from '@lockstep/sandbox';
import { renderChart } from '../chart/helm-chart.ts';

const RBAC_KINDS = new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

/**
 * Applies exactly the ServiceAccount and RBAC objects `helm template` renders for `values`,
 * so the controller runs with the chart's permissions and nothing more. Answers a function
 * that deletes them again (cluster-scoped ones survive namespace cleanup otherwise).
 */
export async function applyChartRbac(kc: KubeConfig, values: object): Promise<() => Promise<void>> {
  const rbac = (await renderChart(values)).filter((m) => RBAC_KINDS.has(m.kind));
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const namespaces = new Set(rbac.map((m) => m.metadata.namespace).filter((n): n is string => Boolean(n)));
  for (const ns of namespaces) await ensureNamespace(kc, ns);
  for (const m of rbac) {
    await objects.patch(m as never, undefined, undefined, 'lockstep-tests', true, PatchStrategy.ServerSideApply);
  }
  return async () => {
    for (const m of rbac.reverse()) await objects.delete(m as never).catch(() => {});
  };
}
