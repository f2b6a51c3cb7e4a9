import type { KubeConfig } from '@kubernetes/client-node';
import type { ExternalSecret } from '../api/external-secret.ts';
import { clientChildWriter } from '../cluster-provisioning/child-writer.ts';
import type { ChildWriter } from '../cluster-provisioning/reconcile-provisioner.ts';

/** Creates, replaces and deletes ExternalSecrets for ClusterExternalSecrets. */
export function clientExternalSecretWriter(kc: KubeConfig): ChildWriter<ExternalSecret> {
  return clientChildWriter(kc, { kind: 'ExternalSecret', plural: 'externalsecrets' });
}
