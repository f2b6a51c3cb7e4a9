// ESO's PushSecretMetadata for the kubernetes provider: labels and annotations of the remote
// Secret, merged into the existing ones (targetMergePolicy Merge, the default), put in their
// place (Replace) or left alone (Ignore). Lockstep does not copy the source Secret's own labels
// and annotations (ESO does): so sourceMergePolicy Merge and Replace both mean "these".

import { parsePushMetadata, SpecProblem } from '@lockstep/core';

const FIELDS = {
  labels: 'stringMap',
  annotations: 'stringMap',
  targetMergePolicy: ['Merge', 'Replace', 'Ignore'],
  sourceMergePolicy: ['Merge', 'Replace'],
  remoteNamespace: 'string',
} as const;

export interface SecretMetadata {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Throws a SpecProblem saying what to fix; `mark` is the ownership annotation no entry may set. */
export function checkKubernetesPushMetadata(metadata: unknown, mark: string): void {
  const parsed = parsePushMetadata(metadata, 'kubernetes', FIELDS);
  if (parsed?.remoteNamespace !== undefined) {
    throw new SpecProblem(
      'InvalidSpec',
      "spec.data[].metadata.spec.remoteNamespace is not supported: the store's spec.provider.kubernetes.remoteNamespace decides where to push; remove it",
    );
  }
  if (parsed?.annotations && Object.hasOwn(parsed.annotations, mark)) {
    throw new SpecProblem(
      'InvalidSpec',
      `spec.data[].metadata.spec.annotations cannot set "${mark}": Lockstep's ownership mark is reserved`,
    );
  }
}

/** The remote Secret's labels and annotations after a push (`existing` undefined: it is created). */
export function pushedSecretMetadata(
  existing: SecretMetadata | undefined,
  metadata: unknown,
  mark: Record<string, string>,
): SecretMetadata {
  const parsed = parsePushMetadata(metadata, 'kubernetes', FIELDS);
  const labels = parsed?.labels ?? {};
  const annotations = parsed?.annotations ?? {};
  if (!existing) return { labels, annotations: { ...annotations, ...mark } };
  switch (parsed?.targetMergePolicy ?? 'Merge') {
    case 'Ignore':
      return existing;
    case 'Replace':
      return { labels, annotations: { ...annotations, ...mark } };
    default:
      return {
        labels: { ...existing.labels, ...labels },
        annotations: { ...existing.annotations, ...annotations, ...mark },
      };
  }
}
