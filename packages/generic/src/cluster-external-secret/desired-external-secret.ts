// What a ClusterExternalSecret wants in one namespace: an ExternalSecret with its spec, the
// `externalSecretMetadata` labels and annotations, and a controller reference to it (the
// shared provisioning in ../cluster-provisioning does the rest).

import type { ClusterExternalSecret } from '../api/cluster-external-secret.ts';
import type { ExternalSecret } from '../api/external-secret.ts';
import { type ChildKind, desiredChild } from '../cluster-provisioning/child-kind.ts';

export function externalSecretName(ces: ClusterExternalSecret): string {
  return ces.spec.externalSecretName || ces.metadata?.name || '';
}

export const EXTERNAL_SECRET_CHILD: ChildKind<ClusterExternalSecret, ExternalSecret> = {
  parentKind: 'ClusterExternalSecret',
  parentPlural: 'clusterexternalsecrets',
  childKind: 'ExternalSecret',
  nameField: 'externalSecretName',
  childName: externalSecretName,
  childSpec: (ces) => ces.spec.externalSecretSpec,
  childMetadata: (ces) => ces.spec.externalSecretMetadata,
};

export function desiredExternalSecret(ces: ClusterExternalSecret, namespace: string): ExternalSecret {
  return desiredChild(EXTERNAL_SECRET_CHILD, ces, namespace);
}
