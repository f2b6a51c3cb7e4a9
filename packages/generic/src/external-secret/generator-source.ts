// `dataFrom[].sourceRef.generatorRef`: the generator object is read from the API server (its
// spec is the user's input), checked by the registered generator, then run. A ClusterGenerator
// is unwrapped first, under the namespace rules of cluster-generator-source.ts.

import { type KubeConfig, KubernetesObjectApi, type V1Namespace } from '@kubernetes/client-node';
import {
  BackendError,
  GENERATORS_GROUP,
  GENERATORS_VERSION,
  type KubeAccess,
  type ProviderRegistry,
  type SecretMap,
} from '@lockstep/core';
import type { ClusterGenerator } from '../api/cluster-generator.ts';
import { referencedNamespaces, type UnwrappedGenerator, unwrapClusterGenerator } from './cluster-generator-source.ts';
import { kubeRead } from './kube-read.ts';
import type { GeneratorRefSpec } from './resolve-data.ts';
import type { ObjectCache } from './store-resolver.ts';

/** Reads a generator object's spec (a ClusterGenerator's is cluster-wide); a missing object is the user's to fix. */
export type GeneratorReader = (namespace: string, ref: GeneratorRefSpec) => Promise<unknown>;

export function clientGeneratorReader(kc: KubeConfig): GeneratorReader {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  return async (namespace, ref) => {
    const cluster = ref.kind === 'ClusterGenerator';
    const obj = await kubeRead(
      { verb: 'read', kind: ref.kind, name: ref.name, ...(cluster ? {} : { namespace }) },
      'sourceRef.generatorRef',
      () =>
        objects.read({
          apiVersion: `${GENERATORS_GROUP}/${GENERATORS_VERSION}`,
          kind: ref.kind,
          metadata: { name: ref.name, ...(cluster ? {} : { namespace }) },
        }),
    );
    return (obj as { spec?: unknown }).spec ?? {};
  };
}

/** Runs the generator an ExternalSecret names, with the kinds this controller registered. */
export function generatorSource(
  registry: ProviderRegistry,
  read: GeneratorReader,
  kube: KubeAccess,
  /** Namespace labels, for ClusterGenerator conditions (absent: a selector matches no namespace). */
  namespaces?: ObjectCache<V1Namespace>,
): (namespace: string, ref: GeneratorRefSpec) => Promise<SecretMap> {
  const notEnabled = (kind: string, via = '') =>
    new BackendError(
      'InvalidInput',
      'kubernetes',
      `generator kind ${kind}${via} is not enabled in this controller: use one of ${registry.generatorKinds().join(', ')}`,
    );
  return async (namespace, ref) => {
    const cluster = ref.kind === 'ClusterGenerator';
    if (!cluster && !registry.generator(ref.kind)) throw notEnabled(ref.kind);
    const object = await read(namespace, ref);
    let target: UnwrappedGenerator;
    if (cluster) {
      target = unwrapClusterGenerator(ref.name, object as Partial<ClusterGenerator['spec']>, namespace, namespaces);
    } else {
      target = { kind: ref.kind, spec: object };
      // A namespaced generator is its namespace's own: it never reads another namespace's Secrets.
      const foreign = referencedNamespaces(object).find((ns) => ns !== namespace);
      if (foreign) {
        throw new BackendError(
          'InvalidInput',
          'kubernetes',
          `${ref.kind} "${ref.name}": a reference names namespace "${foreign}"; a generator in namespace "${namespace}" reads only its own namespace: drop the namespace, or use a ClusterGenerator whose conditions allow "${namespace}"`,
        );
      }
    }
    const generator = registry.generator(target.kind);
    if (!generator) throw notEnabled(target.kind, ` (ClusterGenerator "${ref.name}")`);
    const problems = generator.validateSpec(target.spec);
    if (problems.length) {
      throw new BackendError('InvalidInput', 'kubernetes', `${ref.kind} "${ref.name}": ${problems.join('; ')}`);
    }
    const result = await generator.generate(target.spec, {
      namespace,
      kube,
      ...(cluster ? { clusterGenerator: ref.name } : {}),
    });
    return result.data;
  };
}
