// `dataFrom[].sourceRef.generatorRef`: the generator object is read from the API server (its
// spec is the user's input), checked by the registered generator, then run.

import { type KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { BackendError, type KubeAccess, type ProviderRegistry, type SecretMap } from '@lockstep/core';
import { kubeRead } from './kube-read.ts';
import type { GeneratorRefSpec } from './resolve-data.ts';

/** Reads a generator object's spec; a missing object is the user's to fix (see kubeRead). */
export type GeneratorReader = (namespace: string, ref: GeneratorRefSpec) => Promise<unknown>;

export function clientGeneratorReader(kc: KubeConfig): GeneratorReader {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  return async (namespace, ref) => {
    const obj = await kubeRead(
      { verb: 'read', kind: ref.kind, name: ref.name, namespace },
      'sourceRef.generatorRef',
      () =>
        objects.read({
          apiVersion: 'generators.lockstep.dev/v1alpha1',
          kind: ref.kind,
          metadata: { name: ref.name, namespace },
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
): (namespace: string, ref: GeneratorRefSpec) => Promise<SecretMap> {
  return async (namespace, ref) => {
    const generator = registry.generator(ref.kind);
    if (!generator) {
      throw new BackendError(
        'InvalidInput',
        'kubernetes',
        `generator kind ${ref.kind} is not enabled in this controller: use one of ${registry.generatorKinds().join(', ')}`,
      );
    }
    const spec = await read(namespace, ref);
    const problems = generator.validateSpec(spec);
    if (problems.length) {
      throw new BackendError('InvalidInput', 'kubernetes', `${ref.kind} "${ref.name}": ${problems.join('; ')}`);
    }
    return (await generator.generate(spec, { namespace, kube })).data;
  };
}
