// The ClusterExternalSecret reconciler: the shared provisioner (../cluster-provisioning) with
// ExternalSecrets as its children.

import type { ReconcileResult } from '@lockstep/core';
import type { ClusterExternalSecret } from '../api/cluster-external-secret.ts';
import type { ExternalSecret } from '../api/external-secret.ts';
import {
  type ChildWriter,
  type ProvisionerContext,
  type ProvisionPlan,
  planChildren,
  reconcileProvisioner,
} from '../cluster-provisioning/reconcile-provisioner.ts';
import { EXTERNAL_SECRET_CHILD } from './desired-external-secret.ts';

export type ExternalSecretWriter = ChildWriter<ExternalSecret>;

/** The shared provisioner's context, its parents and children named for these kinds. */
export type ClusterExternalSecretContext = Omit<
  ProvisionerContext<ClusterExternalSecret, ExternalSecret>,
  'parents' | 'children'
> & {
  clusterExternalSecrets: ProvisionerContext<ClusterExternalSecret, ExternalSecret>['parents'];
  externalSecrets: ProvisionerContext<ClusterExternalSecret, ExternalSecret>['children'];
};

export function reconcileClusterExternalSecret(
  key: string,
  ctx: ClusterExternalSecretContext,
): Promise<ReconcileResult> {
  const { clusterExternalSecrets, externalSecrets, ...rest } = ctx;
  return reconcileProvisioner(EXTERNAL_SECRET_CHILD, key, {
    ...rest,
    parents: clusterExternalSecrets,
    children: externalSecrets,
  });
}

/** Pure: what to create, update and delete so exactly the selected namespaces hold the ExternalSecret. */
export function planProvisioning(
  ces: ClusterExternalSecret,
  selected: readonly string[],
  externalSecrets: readonly ExternalSecret[],
): ProvisionPlan<ExternalSecret> {
  return planChildren(EXTERNAL_SECRET_CHILD, ces, selected, externalSecrets);
}
