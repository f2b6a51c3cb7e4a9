// What a ClusterExternalSecret wants in one namespace: an ExternalSecret with its spec, the
// `externalSecretMetadata` labels and annotations, and a controller reference to it (so the
// ExternalSecrets go with it). Pure functions, tested without I/O.

import { isDeepStrictEqual } from 'node:util';
import type { V1OwnerReference } from '@kubernetes/client-node';
import type { ClusterExternalSecret } from '../api/cluster-external-secret.ts';
import type { ExternalSecret } from '../api/external-secret.ts';

export const CLUSTER_EXTERNAL_SECRET_API_VERSION = 'external.lockstep.dev/v1';

export function externalSecretName(ces: ClusterExternalSecret): string {
  return ces.spec.externalSecretName || ces.metadata?.name || '';
}

export function ownerRefOf(ces: ClusterExternalSecret): V1OwnerReference {
  return {
    apiVersion: CLUSTER_EXTERNAL_SECRET_API_VERSION,
    kind: 'ClusterExternalSecret',
    name: ces.metadata?.name ?? '',
    uid: ces.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** True when `es` is controlled by this ClusterExternalSecret (same uid). */
export function isOwnedBy(es: ExternalSecret, ces: ClusterExternalSecret): boolean {
  const uid = ces.metadata?.uid;
  return (
    !!uid &&
    (es.metadata?.ownerReferences ?? []).some(
      (r) => r.kind === 'ClusterExternalSecret' && r.uid === uid && r.controller,
    )
  );
}

export function desiredExternalSecret(ces: ClusterExternalSecret, namespace: string): ExternalSecret {
  const meta = ces.spec.externalSecretMetadata;
  return {
    apiVersion: CLUSTER_EXTERNAL_SECRET_API_VERSION,
    kind: 'ExternalSecret',
    metadata: {
      name: externalSecretName(ces),
      namespace,
      ...(meta?.labels ? { labels: { ...meta.labels } } : {}),
      ...(meta?.annotations ? { annotations: { ...meta.annotations } } : {}),
      ownerReferences: [ownerRefOf(ces)],
    },
    spec: structuredClone(ces.spec.externalSecretSpec),
  } as ExternalSecret;
}

/**
 * The existing ExternalSecret updated to the desired one, or undefined when it already
 * matches. Labels and annotations others added are kept; the spec is replaced whole.
 */
export function updatedExternalSecret(existing: ExternalSecret, desired: ExternalSecret): ExternalSecret | undefined {
  const labels = { ...existing.metadata?.labels, ...desired.metadata?.labels };
  const annotations = { ...existing.metadata?.annotations, ...desired.metadata?.annotations };
  const same =
    isDeepStrictEqual(plain(existing.spec), plain(desired.spec)) &&
    isDeepStrictEqual(labels, existing.metadata?.labels ?? {}) &&
    isDeepStrictEqual(annotations, existing.metadata?.annotations ?? {});
  if (same) return undefined;
  return {
    apiVersion: desired.apiVersion,
    kind: desired.kind,
    metadata: {
      ...existing.metadata,
      labels,
      annotations,
      ownerReferences: desired.metadata?.ownerReferences,
    },
    spec: desired.spec,
  } as ExternalSecret;
}

/**
 * Both specs went through the same CRD defaulting (the ClusterExternalSecret embeds the
 * ExternalSecret spec schema), so plain JSON equality is stable and does not flap.
 */
function plain(spec: unknown): unknown {
  return JSON.parse(JSON.stringify(spec ?? {}));
}
