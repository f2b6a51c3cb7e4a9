// What the cluster-scoped provisioners (ClusterExternalSecret, ClusterPushSecret) share: each
// stamps one namespaced child (an ExternalSecret, a PushSecret) into every selected namespace,
// controlled by an owner reference so the children go with it. A ChildKind says which kinds
// and how the child is built; everything else is written once here. Pure functions.

import { isDeepStrictEqual } from 'node:util';
import type { KubernetesObject, V1OwnerReference } from '@kubernetes/client-node';
import type { Condition } from '@lockstep/core';

export const PROVISIONER_API_VERSION = 'external.lockstep.dev/v1';

/** A cluster-scoped provisioner as the reconciler reads it. */
export interface Provisioner extends KubernetesObject {
  spec: { refreshTime?: string };
  status?: {
    provisionedNamespaces?: string[];
    failedNamespaces?: Array<{ namespace: string; reason?: string }>;
    conditions?: Condition[];
  } & Record<string, unknown>;
}

export interface ChildKind<P extends Provisioner, C extends KubernetesObject & { spec?: unknown }> {
  /** `ClusterExternalSecret` | `ClusterPushSecret`. */
  parentKind: string;
  /** The parent's plural, for its status patch. */
  parentPlural: string;
  /** `ExternalSecret` | `PushSecret`. */
  childKind: string;
  /** The spec field that names the children (`externalSecretName`), for messages and status. */
  nameField: string;
  childName(parent: P): string;
  /** The child's spec as the parent wants it. */
  childSpec(parent: P): C['spec'];
  /** The parent's `…Metadata` (labels and annotations stamped on each child). */
  childMetadata(parent: P): { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined;
}

export function ownerRefOf<P extends Provisioner>(kind: { parentKind: string }, parent: P): V1OwnerReference {
  return {
    apiVersion: PROVISIONER_API_VERSION,
    kind: kind.parentKind,
    name: parent.metadata?.name ?? '',
    uid: parent.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** True when `child` is controlled by this parent (same uid). */
export function isOwnedBy(child: KubernetesObject, parentKind: string, parent: Provisioner): boolean {
  const uid = parent.metadata?.uid;
  return (
    !!uid && (child.metadata?.ownerReferences ?? []).some((r) => r.kind === parentKind && r.uid === uid && r.controller)
  );
}

export function desiredChild<P extends Provisioner, C extends KubernetesObject & { spec?: unknown }>(
  kind: ChildKind<P, C>,
  parent: P,
  namespace: string,
): C {
  const meta = kind.childMetadata(parent);
  return {
    apiVersion: PROVISIONER_API_VERSION,
    kind: kind.childKind,
    metadata: {
      name: kind.childName(parent),
      namespace,
      ...(meta?.labels ? { labels: { ...meta.labels } } : {}),
      ...(meta?.annotations ? { annotations: { ...meta.annotations } } : {}),
      ownerReferences: [ownerRefOf(kind, parent)],
    },
    spec: structuredClone(kind.childSpec(parent)),
  } as C;
}

/**
 * The existing child updated to the desired one, or undefined when it already matches.
 * Labels and annotations others added are kept; the spec is replaced whole.
 */
export function updatedChild<C extends KubernetesObject & { spec?: unknown }>(existing: C, desired: C): C | undefined {
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
    metadata: { ...existing.metadata, labels, annotations, ownerReferences: desired.metadata?.ownerReferences },
    spec: desired.spec,
  } as C;
}

/**
 * Both specs went through the same CRD defaulting (the parent embeds the child's spec
 * schema), so plain JSON equality is stable and does not flap.
 */
function plain(spec: unknown): unknown {
  return JSON.parse(JSON.stringify(spec ?? {}));
}
