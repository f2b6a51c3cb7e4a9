import { type KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { ensureServiceAccount, serviceAccountToken } from '../seed/kubernetes.ts';

const ADMIN_SA = { namespace: 'kube-system', name: 'lockstep-sandbox-admin' } as const;

/** A day-long token of a ServiceAccount bound to cluster-admin (the bench's raw client sends bearer tokens). */
export async function clusterAdminToken(kc: KubeConfig): Promise<string> {
  await ensureServiceAccount(kc, ADMIN_SA.namespace, ADMIN_SA.name);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac
    .createClusterRoleBinding({
      body: {
        metadata: { name: ADMIN_SA.name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', namespace: ADMIN_SA.namespace, name: ADMIN_SA.name }],
      },
    })
    .catch((err: unknown) => {
      if ((err as { code?: number }).code !== 409) throw err;
    });
  return serviceAccountToken(kc, ADMIN_SA.namespace, ADMIN_SA.name, { expirationSeconds: 24 * 3600 });
}
