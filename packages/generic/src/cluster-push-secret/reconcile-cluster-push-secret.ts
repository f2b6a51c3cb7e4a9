// The ClusterPushSecret reconciler: the shared provisioner (../cluster-provisioning) with
// PushSecrets as its children. The PushSecret reconciler then pushes in each namespace, reading
// only that namespace's Secrets: the ClusterPushSecret itself reads no Secret.

import type { KubeConfig } from '@kubernetes/client-node';
import type { ReconcileResult } from '@lockstep/core';
import type { ClusterPushSecret } from '../api/cluster-push-secret.ts';
import type { PushSecret } from '../api/push-secret.ts';
import type { ChildKind } from '../cluster-provisioning/child-kind.ts';
import { clientChildWriter } from '../cluster-provisioning/child-writer.ts';
import {
  type ChildWriter,
  type ProvisionerContext,
  type ProvisionPlan,
  planChildren,
  reconcileProvisioner,
} from '../cluster-provisioning/reconcile-provisioner.ts';

export function pushSecretName(cps: ClusterPushSecret): string {
  return cps.spec.pushSecretName || cps.metadata?.name || '';
}

export const PUSH_SECRET_CHILD: ChildKind<ClusterPushSecret, PushSecret> = {
  parentKind: 'ClusterPushSecret',
  parentPlural: 'clusterpushsecrets',
  childKind: 'PushSecret',
  nameField: 'pushSecretName',
  childName: pushSecretName,
  childSpec: (cps) => cps.spec.pushSecretSpec,
  childMetadata: (cps) => cps.spec.pushSecretMetadata,
};

/** The shared provisioner's context, its parents and children named for these kinds. */
export type ClusterPushSecretContext = Omit<
  ProvisionerContext<ClusterPushSecret, PushSecret>,
  'parents' | 'children'
> & {
  clusterPushSecrets: ProvisionerContext<ClusterPushSecret, PushSecret>['parents'];
  pushSecrets: ProvisionerContext<ClusterPushSecret, PushSecret>['children'];
};

export function reconcileClusterPushSecret(key: string, ctx: ClusterPushSecretContext): Promise<ReconcileResult> {
  const { clusterPushSecrets, pushSecrets, ...rest } = ctx;
  return reconcileProvisioner(PUSH_SECRET_CHILD, key, { ...rest, parents: clusterPushSecrets, children: pushSecrets });
}

/** Pure: what to create, update and delete so exactly the selected namespaces hold the PushSecret. */
export function planPushSecrets(
  cps: ClusterPushSecret,
  selected: readonly string[],
  pushSecrets: readonly PushSecret[],
): ProvisionPlan<PushSecret> {
  return planChildren(PUSH_SECRET_CHILD, cps, selected, pushSecrets);
}

export function clientPushSecretWriter(kc: KubeConfig): ChildWriter<PushSecret> {
  return clientChildWriter(kc, { kind: 'PushSecret', plural: 'pushsecrets' });
}
