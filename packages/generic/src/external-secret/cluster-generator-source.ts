// A ClusterGenerator as seen from one namespace: the kind and spec it wraps, after the rules a
// ClusterSecretStore follows. Its `spec.conditions` (Lockstep's extension, a ClusterSecretStore's
// shape) limit which namespaces may use it. A credential reference naming a namespace reads that
// namespace's Secret for every consumer, so it is accepted only when conditions say who those
// consumers are; a reference naming none reads the consumer's own namespace (ESO's referent auth).

import type { V1Namespace } from '@kubernetes/client-node';
import { SpecProblem } from '@lockstep/core';
import { CLUSTER_GENERATOR_SPECS, type ClusterGenerator } from '../api/cluster-generator.ts';
import { conditionsAllow, namespaceRegexProblems } from './namespace-conditions.ts';
import type { ObjectCache } from './store-resolver.ts';

export interface UnwrappedGenerator {
  kind: string;
  spec: unknown;
}

export function unwrapClusterGenerator(
  name: string,
  spec: Partial<ClusterGenerator['spec']> | undefined,
  namespace: string,
  namespaces: ObjectCache<V1Namespace> | undefined,
): UnwrappedGenerator {
  const what = `ClusterGenerator "${name}"`;
  const kind = spec?.kind ?? '';
  const entry = CLUSTER_GENERATOR_SPECS[kind as keyof typeof CLUSTER_GENERATOR_SPECS];
  if (!entry) {
    throw new SpecProblem(
      'InvalidSpec',
      `${what}: spec.kind "${kind}" is not served in a ClusterGenerator: use one of ${Object.keys(CLUSTER_GENERATOR_SPECS).join(', ')}`,
    );
  }
  const inner = (spec?.generator as Record<string, unknown> | undefined)?.[entry.field];
  if (inner === undefined) {
    throw new SpecProblem('InvalidSpec', `${what}: spec.kind is ${kind}, so spec.generator needs ${entry.field}`);
  }
  const conditions = spec?.conditions;
  const broken = namespaceRegexProblems(conditions);
  if (broken.length > 0) throw new SpecProblem('InvalidSpec', `${what}: ${broken.join('; ')}`);
  const labels = namespaces?.get(undefined, namespace)?.metadata?.labels;
  if (!conditionsAllow(conditions, namespace, labels)) {
    throw new SpecProblem('InvalidSpec', `${what} does not allow namespace "${namespace}" (see its spec.conditions)`);
  }
  const foreign = referencedNamespaces(inner).filter((ns) => ns !== namespace);
  if (foreign.length > 0 && !conditions?.length) {
    throw new SpecProblem(
      'InvalidSpec',
      `${what} reads credentials from namespace "${foreign[0]}" for every namespace: set spec.conditions to the namespaces allowed to use them, or drop the reference's namespace so each namespace uses its own Secret`,
    );
  }
  return { kind, spec: inner };
}

/**
 * Namespaces named by the references in a generator spec (SecretKeySelector, ServiceAccountSelector:
 * any object with a `name` and a `namespace`), whatever the kind, so a new kind cannot slip past.
 */
export function referencedNamespaces(spec: unknown): string[] {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(walk);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const obj = value as Record<string, unknown>;
    if (typeof obj.name === 'string' && typeof obj.namespace === 'string' && obj.namespace !== '') {
      found.add(obj.namespace);
    }
    Object.values(obj).forEach(walk);
  };
  walk(spec);
  return [...found];
}
