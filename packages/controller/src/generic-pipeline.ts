// Wires the generic pipeline: informers for ExternalSecrets, stores, Namespaces and managed
// Secrets feed one work queue per kind; provider clients come from one registry shared
// with vault-native.

import {
  CoreV1Api,
  type KubeConfig,
  KubernetesObjectApi,
  type V1ConfigMap,
  type V1Namespace,
  type V1Secret,
} from '@kubernetes/client-node';
import type { Clock, Random } from '@lockstep/core';
import {
  Controller,
  type EventRecorder,
  type KubeAccess,
  type LockstepMetrics,
  type Logger,
  objectKey,
  type ProviderRegistry,
  ResourceInformer,
  type RolloutRestarter,
  type SecretApi,
  type StatusPatcher,
} from '@lockstep/core';
import {
  type ExternalSecret,
  reconcileExternalSecret,
  reconcileSecretStore,
  type StoreObject,
  StoreResolver,
} from '@lockstep/generic';

export interface GenericPipelineDeps {
  kc: KubeConfig;
  log: Logger;
  metrics: LockstepMetrics;
  clock: Clock;
  random: Random;
  registry: ProviderRegistry;
  kube: KubeAccess;
  secretApi: SecretApi;
  status: StatusPatcher;
  events: EventRecorder;
  rollout: RolloutRestarter;
  macKey: Uint8Array;
  managedSecrets: ResourceInformer<V1Secret>;
  namespaces: ResourceInformer<V1Namespace>;
  concurrency: number;
  coalesceWindowMs: number;
}

export function genericPipeline(deps: GenericPipelineDeps): Controller[] {
  const informer = <T extends object>(apiVersion: string, kind: string, plural: string) =>
    new ResourceInformer<T & { metadata?: object }>({
      kubeConfig: deps.kc,
      apiVersion,
      kind,
      plural,
      clock: deps.clock,
      log: deps.log,
    });
  const externalSecrets = informer<ExternalSecret>('external.lockstep.dev/v1', 'ExternalSecret', 'externalsecrets');
  const secretStores = informer<StoreObject>('external.lockstep.dev/v1', 'SecretStore', 'secretstores');
  const clusterSecretStores = informer<StoreObject>(
    'external.lockstep.dev/v1',
    'ClusterSecretStore',
    'clustersecretstores',
  );

  const resolver = new StoreResolver({
    secretStores: secretStores as never,
    clusterSecretStores: clusterSecretStores as never,
    namespaces: deps.namespaces,
    registry: deps.registry,
    kube: deps.kube,
    clock: deps.clock,
    coalesceWindowMs: deps.coalesceWindowMs,
  });
  const objects = KubernetesObjectApi.makeApiClient(deps.kc);
  const core = deps.kc.makeApiClient(CoreV1Api);

  const esController = new Controller({
    name: 'ExternalSecret',
    informer: externalSecrets,
    concurrency: deps.concurrency,
    clock: deps.clock,
    random: deps.random,
    onReconciled: (e) => deps.metrics.recordReconcile(e),
    reconcile: (key) =>
      reconcileExternalSecret(key, {
        externalSecrets: externalSecrets as never,
        secrets: deps.managedSecrets,
        stores: resolver,
        async generate(namespace, ref) {
          const generator = deps.registry.generator(ref.kind);
          if (!generator) throw new Error(`generator kind ${ref.kind} is not enabled in this controller`);
          const obj = (await objects.read({
            apiVersion: 'generators.lockstep.dev/v1alpha1',
            kind: ref.kind,
            metadata: { name: ref.name, namespace },
          })) as { spec?: unknown };
          const problems = generator.validateSpec(obj.spec ?? {});
          if (problems.length) throw new Error(`${ref.kind} "${ref.name}": ${problems.join('; ')}`);
          return (await generator.generate(obj.spec ?? {}, { namespace, kube: deps.kube })).data;
        },
        templateSources: (namespace) => ({
          configMap: async (name) =>
            ((await core.readNamespacedConfigMap({ namespace, name })) as V1ConfigMap).data ?? {},
          secret: async (name) => {
            const s = await deps.secretApi.get(namespace, name);
            if (!s) throw new Error(`template Secret "${name}" not found`);
            return Object.fromEntries(
              Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
            );
          },
        }),
        secretApi: deps.secretApi,
        status: deps.status,
        events: deps.events,
        rollout: deps.rollout,
        macKey: deps.macKey,
        now: () => deps.clock.now(),
        random: () => deps.random.random(),
        onSecretWrite: (operation) => deps.metrics.secretWrites.add(1, { kind: 'ExternalSecret', operation }),
      }),
  });

  // A changed or deleted managed Secret re-runs the ExternalSecret that writes it (drift repair).
  esController.watch(deps.managedSecrets, (secret) => {
    const ns = secret.metadata?.namespace ?? '';
    return externalSecrets
      .list(ns)
      .filter((es) => ((es as ExternalSecret).spec?.target?.name || es.metadata?.name) === secret.metadata?.name)
      .map((es) => objectKey(es));
  });
  // A store change re-runs the ExternalSecrets that use it.
  const usersOf = (kind: string) => (store: StoreObject) =>
    externalSecrets
      .list(kind === 'SecretStore' ? store.metadata?.namespace : undefined)
      .filter((es) => {
        const ref = (es as ExternalSecret).spec?.secretStoreRef;
        return ref?.name === store.metadata?.name && (ref?.kind ?? 'SecretStore') === kind;
      })
      .map((es) => objectKey(es));
  esController.watch(secretStores, usersOf('SecretStore'));
  esController.watch(clusterSecretStores, usersOf('ClusterSecretStore'));

  const storeController = (
    kind: 'SecretStore' | 'ClusterSecretStore',
    inf: ResourceInformer<StoreObject & { metadata?: object }>,
  ) =>
    new Controller({
      name: kind,
      informer: inf,
      concurrency: Math.max(1, Math.floor(deps.concurrency / 2)),
      clock: deps.clock,
      random: deps.random,
      onReconciled: (e) => deps.metrics.recordReconcile(e),
      reconcile: (key) =>
        reconcileSecretStore(key, {
          kind,
          stores: inf as never,
          resolver,
          status: deps.status,
          events: deps.events,
          now: () => deps.clock.now(),
          revalidateMs: 5 * 60_000,
        }),
    });

  return [
    esController,
    storeController('SecretStore', secretStores),
    storeController('ClusterSecretStore', clusterSecretStores),
  ];
}
