import type { KubeConfig } from '@kubernetes/client-node';
import { bindClusterRole, ensureServiceAccount, serviceAccountToken } from '../seed/kubernetes.ts';

const ADMIN_SA = { namespace: 'kube-system', name: 'lockstep-sandbox-admin' } as const;

/** A day-long token of a ServiceAccount bound to cluster-admin (the bench's raw client sends bearer tokens). */
export async function clusterAdminToken(kc: KubeConfig): Promise<string> {
  await ensureServiceAccount(kc, ADMIN_SA.namespace, ADMIN_SA.name);
  await bindClusterRole(kc, ADMIN_SA.name, 'cluster-admin', ADMIN_SA);
  return serviceAccountToken(kc, ADMIN_SA.namespace, ADMIN_SA.name, { expirationSeconds: 24 * 3600 });
}
