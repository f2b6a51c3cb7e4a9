// Which namespaces a ClusterExternalSecret or ClusterPushSecret provisions: any namespace
// matching one of `namespaceSelectors[]` (or the deprecated single `namespaceSelector`), plus
// the names in `namespaces`. A namespace being deleted is never provisioned again.

import type { V1Namespace } from '@kubernetes/client-node';
import { type LabelSelector, matchesLabelSelector } from '@lockstep/core';

export interface NamespaceSelection {
  namespaceSelectors?: LabelSelector[];
  namespaceSelector?: LabelSelector;
  namespaces?: string[];
}

export function selectNamespaces(spec: NamespaceSelection, namespaces: readonly V1Namespace[]): string[] {
  const selectors = [...(spec.namespaceSelectors ?? []), ...(spec.namespaceSelector ? [spec.namespaceSelector] : [])];
  const names = new Set(spec.namespaces ?? []);
  const selected: string[] = [];
  for (const ns of namespaces) {
    const name = ns.metadata?.name;
    if (!name || ns.metadata?.deletionTimestamp || ns.status?.phase === 'Terminating') continue;
    const labels = ns.metadata?.labels;
    if (names.has(name) || selectors.some((s) => matchesLabelSelector(s, labels))) selected.push(name);
  }
  return selected.sort();
}
