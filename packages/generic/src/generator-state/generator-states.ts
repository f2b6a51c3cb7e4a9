// Where GeneratorStates live: one object per generation of one generator source of an
// ExternalSecret (`dataFrom[0]`, `data[1]`), owned by it, labelled with ESO's owner key so all
// states of a source are listed together. The state records what was delivered (keys, the
// target Secret's keyed MAC, the ExternalSecret's spec version), never a value.

import { createHash } from 'node:crypto';
import { CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GENERATORS_GROUP, GENERATORS_VERSION, kubeCall } from '@lockstep/core';
import { GENERATOR_STATE_OWNER_LABEL, type GeneratorState } from '../api/generator-state.ts';

/** One generation, as the reconciler reads it back. */
export interface GenerationRecord {
  /** The GeneratorState's name. */
  name: string;
  /** `dataFrom[0]`, `data[1]`: the entry of the ExternalSecret it generated for. */
  source: string;
  createdAt: Date;
  /** Set once superseded: the state is deleted after it. */
  gcDeadline?: Date;
  specVersion: string;
  secretMAC: string;
}

export interface NewGeneration {
  source: string;
  /** The generatorRef that ran (apiVersion, kind, name); its spec is not copied. */
  resource: { apiVersion: string; kind: string; name: string };
  keys: string[];
  secretMAC: string;
  specVersion: string;
  generatedAt: Date;
}

export interface StateOwner {
  kind: string;
  apiVersion: string;
  namespace: string;
  name: string;
  uid: string;
}

export interface GeneratorStates {
  /** Every state of these sources of the owner, flagged or not. */
  list(owner: StateOwner, sources: string[]): Promise<GenerationRecord[]>;
  create(owner: StateOwner, generation: NewGeneration): Promise<void>;
  /** Sets spec.garbageCollectionDeadline: the GC deletes the state after it. */
  flagForGc(namespace: string, name: string, deadline: Date): Promise<void>;
  /** Deletes a state whose deadline passed (the GC). */
  delete(namespace: string, name: string): Promise<void>;
}

const API = { group: GENERATORS_GROUP, version: GENERATORS_VERSION, plural: 'generatorstates' };

/** ESO's owner key: a hash of the owner's kind, namespace, name and the source (a label value: 63 characters at most). */
export function ownerKey(owner: Pick<StateOwner, 'kind' | 'namespace' | 'name'>, source: string): string {
  return createHash('sha256')
    .update(`${owner.kind}-${owner.namespace}-${owner.name}-${source}`)
    .digest('hex')
    .slice(0, 40);
}

/** The record a GeneratorState object holds (undefined: not one of ours, or malformed). */
export function generationRecord(obj: GeneratorState): GenerationRecord | undefined {
  const state = obj.spec?.state as Partial<Record<'source' | 'specVersion' | 'secretMAC', unknown>> | undefined;
  const name = obj.metadata?.name;
  const created = obj.metadata?.creationTimestamp;
  if (!name || !created || typeof state?.source !== 'string') return undefined;
  const deadline = obj.spec.garbageCollectionDeadline;
  return {
    name,
    source: state.source,
    createdAt: new Date(created),
    ...(deadline ? { gcDeadline: new Date(deadline) } : {}),
    specVersion: typeof state.specVersion === 'string' ? state.specVersion : '',
    secretMAC: typeof state.secretMAC === 'string' ? state.secretMAC : '',
  };
}

export function clientGeneratorStates(kc: KubeConfig): GeneratorStates {
  const api = kc.makeApiClient(CustomObjectsApi);
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  return {
    async list(owner, sources) {
      if (sources.length === 0) return [];
      const labelSelector = `${GENERATOR_STATE_OWNER_LABEL} in (${sources.map((s) => ownerKey(owner, s)).join(',')})`;
      const answer = (await kubeCall({ verb: 'list', kind: 'GeneratorStates', namespace: owner.namespace }, () =>
        api.listNamespacedCustomObject({ ...API, namespace: owner.namespace, labelSelector }),
      )) as { items?: GeneratorState[] };
      return (answer.items ?? []).flatMap((item) => generationRecord(item) ?? []);
    },
    async create(owner, generation) {
      const body: GeneratorState = {
        apiVersion: `${GENERATORS_GROUP}/${GENERATORS_VERSION}`,
        kind: 'GeneratorState',
        metadata: {
          generateName: `gen-${owner.kind.toLowerCase()}-${owner.name}-`.slice(0, 200),
          namespace: owner.namespace,
          labels: { [GENERATOR_STATE_OWNER_LABEL]: ownerKey(owner, generation.source) },
          ownerReferences: [
            {
              apiVersion: owner.apiVersion,
              kind: owner.kind,
              name: owner.name,
              uid: owner.uid,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: {
          resource: generation.resource as Record<string, unknown>,
          state: {
            source: generation.source,
            keys: generation.keys,
            secretMAC: generation.secretMAC,
            specVersion: generation.specVersion,
            generatedAt: generation.generatedAt.toISOString(),
          },
        },
      };
      await kubeCall({ verb: 'create', kind: 'GeneratorState', namespace: owner.namespace }, () =>
        api.createNamespacedCustomObject({ ...API, namespace: owner.namespace, body }),
      );
    },
    async flagForGc(namespace, name, deadline) {
      await kubeCall({ verb: 'patch', kind: 'GeneratorState', name, namespace }, () =>
        api.patchNamespacedCustomObject(
          {
            ...API,
            namespace,
            name,
            body: { spec: { garbageCollectionDeadline: deadline.toISOString().replace(/\.\d{3}Z$/, 'Z') } },
          },
          merge,
        ),
      );
    },
    async delete(namespace, name) {
      await kubeCall({ verb: 'delete', kind: 'GeneratorState', name, namespace }, () =>
        api.deleteNamespacedCustomObject({ ...API, namespace, name }),
      );
    },
  };
}
