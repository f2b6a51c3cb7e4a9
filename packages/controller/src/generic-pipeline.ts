// Wires the generic pipeline: informers for ExternalSecrets, stores, Namespaces and managed
// Secrets feed one work queue per kind; provider clients come from one registry shared
// with vault-native.

import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  KubernetesObjectApi,
  type V1ConfigMap,
  type V1Namespace,
} from '@kubernetes/client-node';
import {
  BackendError,
  Controller,
  type ControllerRuntime,
  classifyHttpStatus,
  type LockstepMetrics,
  type Logger,
  objectKey,
  type ProviderRegistry,
  ResourceInformer,
  scopedInformer,
} from '@lockstep/core';
import {
  type ClusterExternalSecret,
  type ExternalSecret,
  type ExternalSecretWriter,
  RecentSyncs,
  reconcileClusterExternalSecret,
  reconcileExternalSecret,
  reconcileSecretStore,
  type StoreObject,
  StoreResolver,
} from '@lockstep/generic';

export interface GenericPipelineDeps extends ControllerRuntime {
  log: Logger;
  metrics: LockstepMetrics;
  registry: ProviderRegistry;
  namespaces: ResourceInformer<V1Namespace>;
  concurrency: number;
  coalesceWindowMs: number;
  /** `--namespace` scope for namespaced kinds; empty: every namespace. */
  watchNamespaces?: readonly string[];
  /** `--controller-class`: stores whose spec.controller names another class are left alone. */
  controllerClass?: string;
}

export function genericPipeline(deps: GenericPipelineDeps): Controller[] {
  const scope = deps.watchNamespaces ?? [];
  const options = (kind: string, plural: string) => ({
    kubeConfig: deps.kc,
    apiVersion: 'external.lockstep.dev/v1',
    kind,
    plural,
    clock: deps.clock,
    log: deps.log,
  });
  const namespaced = <T extends object>(kind: string, plural: string) =>
    scopedInformer<T & { metadata?: object }>(options(kind, plural), scope);
  const clusterWide = <T extends object>(kind: string, plural: string) =>
    new ResourceInformer<T & { metadata?: object }>(options(kind, plural));
  const externalSecrets = namespaced<ExternalSecret>('ExternalSecret', 'externalsecrets');
  const secretStores = namespaced<StoreObject>('SecretStore', 'secretstores');
  const clusterSecretStores = clusterWide<StoreObject>('ClusterSecretStore', 'clustersecretstores');
  const clusterExternalSecrets = clusterWide<ClusterExternalSecret>('ClusterExternalSecret', 'clusterexternalsecrets');

  const resolver = new StoreResolver({
    secretStores: secretStores as never,
    clusterSecretStores: clusterSecretStores as never,
    namespaces: deps.namespaces,
    registry: deps.registry,
    kube: deps.kube,
    clock: deps.clock,
    coalesceWindowMs: deps.coalesceWindowMs,
    controllerClass: deps.controllerClass,
  });
  const objects = KubernetesObjectApi.makeApiClient(deps.kc);
  // Liveness (docs/architecture.md): a reconcile past its budget is logged, says so in
  // Ready=False (with `reason`) and backs off without holding a worker.
  const liveness = (reason?: string) => ({
    ...(deps.reconcileTimeoutMs ? { timeoutMs: deps.reconcileTimeoutMs } : {}),
    log: deps.log,
    timeoutCondition: { status: deps.status, now: () => deps.clock.now(), ...(reason ? { reason } : {}) },
  });
  const core = deps.kc.makeApiClient(CoreV1Api);
  const recentSyncs = new RecentSyncs();

  const esController = new Controller({
    name: 'ExternalSecret',
    informer: externalSecrets,
    concurrency: deps.concurrency,
    // ESO's reason for every failed sync; the message says the budget ran out.
    ...liveness('SecretSyncedError'),
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
          if (!generator) {
            throw new BackendError(
              'InvalidInput',
              'kubernetes',
              `generator kind ${ref.kind} is not enabled in this controller: use one of ${generatorKinds(deps.registry)}`,
            );
          }
          const obj = (await kubeRead(
            `${ref.kind} "${ref.name}" in namespace "${namespace}"`,
            'sourceRef.generatorRef',
            () =>
              objects.read({
                apiVersion: 'generators.lockstep.dev/v1alpha1',
                kind: ref.kind,
                metadata: { name: ref.name, namespace },
              }),
          )) as { spec?: unknown };
          const problems = generator.validateSpec(obj.spec ?? {});
          if (problems.length)
            throw new BackendError('InvalidInput', 'kubernetes', `${ref.kind} "${ref.name}": ${problems.join('; ')}`);
          return (await generator.generate(obj.spec ?? {}, { namespace, kube: deps.kube })).data;
        },
        templateSources: (namespace) => ({
          configMap: async (name) =>
            (
              (await kubeRead(`template ConfigMap "${name}" in namespace "${namespace}"`, 'templateFrom', () =>
                core.readNamespacedConfigMap({ namespace, name }),
              )) as V1ConfigMap
            ).data ?? {},
          secret: async (name) => {
            const s = await deps.secretApi.get(namespace, name);
            if (!s) {
              throw new BackendError(
                'InvalidInput',
                'kubernetes',
                `template Secret "${name}" not found in namespace "${namespace}": create it or fix templateFrom`,
              );
            }
            return Object.fromEntries(
              Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
            );
          },
        }),
        secretApi: deps.secretApi,
        status: deps.status,
        events: deps.events,
        rollout: deps.rollout,
        recentSyncs,
        macKey: deps.macKey,
        now: () => deps.clock.now(),
        random: () => deps.random.random(),
        onSecretWrite: (operation) => deps.metrics.secretWrites.add(1, { kind: 'ExternalSecret', operation }),
        onRolloutRestart: () => deps.metrics.rolloutRestarts.add(1, { kind: 'ExternalSecret' }),
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
  // Namespace labels decide ClusterSecretStore conditions: re-check that namespace's users.
  esController.watch(deps.namespaces, (ns) =>
    externalSecrets
      .list(ns.metadata?.name)
      .filter((es) => (es as ExternalSecret).spec?.secretStoreRef?.kind === 'ClusterSecretStore')
      .map((es) => objectKey(es)),
  );
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
      ...liveness(),
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

  const cesController = new Controller({
    name: 'ClusterExternalSecret',
    informer: clusterExternalSecrets,
    concurrency: Math.max(1, Math.floor(deps.concurrency / 2)),
    ...liveness(),
    clock: deps.clock,
    random: deps.random,
    onReconciled: (e) => deps.metrics.recordReconcile(e),
    reconcile: (key) =>
      reconcileClusterExternalSecret(key, {
        clusterExternalSecrets: clusterExternalSecrets as never,
        externalSecrets: externalSecrets as never,
        namespaces: deps.namespaces,
        ...(scope.length > 0 ? { inScope: (ns: string) => scope.includes(ns) } : {}),
        writer: externalSecretWriter(deps.kc),
        status: deps.status,
        events: deps.events,
        now: () => deps.clock.now(),
      }),
  });
  // A namespace labelled or unlabelled, created or deleted, may change every selection.
  cesController.watch(deps.namespaces, () => clusterExternalSecrets.list().map((ces) => objectKey(ces)));
  // An ExternalSecret it owns changed or was deleted by hand: put it back.
  cesController.watch(
    externalSecrets,
    (es) =>
      (es.metadata as { ownerReferences?: Array<{ kind: string; name: string }> } | undefined)?.ownerReferences
        ?.filter((r) => r.kind === 'ClusterExternalSecret')
        .map((r) => r.name) ?? [],
  );

  return [
    esController,
    storeController('SecretStore', secretStores),
    storeController('ClusterSecretStore', clusterSecretStores),
    cesController,
  ];
}

/** Creates, replaces and deletes ExternalSecrets for ClusterExternalSecrets; errors say what the API server said. */
function externalSecretWriter(kc: KubeConfig): ExternalSecretWriter {
  const api = kc.makeApiClient(CustomObjectsApi);
  const target = { group: 'external.lockstep.dev', version: 'v1', plural: 'externalsecrets' };
  const call = async (what: string, fn: () => Promise<unknown>, ignoreNotFound = false): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      if (err instanceof ApiException) {
        if (ignoreNotFound && err.code === 404) return;
        const body = (typeof err.body === 'string' ? safeJson(err.body) : err.body) as { message?: string } | undefined;
        throw new BackendError(
          classifyHttpStatus(err.code),
          'kubernetes',
          `${what}: ${body?.message ?? `HTTP ${err.code}`}`,
          { cause: err },
        );
      }
      throw new BackendError('Unavailable', 'kubernetes', `${what}: ${(err as Error).message}`, { cause: err });
    }
  };
  return {
    create: (namespace, body) =>
      call(`create ExternalSecret "${body.metadata?.name}" in "${namespace}"`, () =>
        api.createNamespacedCustomObject({ ...target, namespace, body }),
      ),
    replace: (namespace, name, body) =>
      call(`update ExternalSecret "${name}" in "${namespace}"`, () =>
        api.replaceNamespacedCustomObject({ ...target, namespace, name, body }),
      ),
    delete: (namespace, name) =>
      call(
        `delete ExternalSecret "${name}" in "${namespace}"`,
        () => api.deleteNamespacedCustomObject({ ...target, namespace, name }),
        true,
      ),
  };
}

/** A read the user pointed at: a missing object is their input to fix, not a remote key gone. */
async function kubeRead<T>(what: string, field: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof ApiException && err.code === 404)
      throw new BackendError('InvalidInput', 'kubernetes', `${what} not found: create it or fix ${field}`);
    if (err instanceof ApiException)
      throw new BackendError(classifyHttpStatus(err.code), 'kubernetes', `cannot read ${what}: HTTP ${err.code}`);
    throw new BackendError('Unavailable', 'kubernetes', `cannot read ${what}: ${(err as Error).message}`);
  }
}

function generatorKinds(registry: ProviderRegistry): string {
  return ['Password', 'Fake', 'VaultDynamicSecret'].filter((k) => registry.generator(k)).join(', ');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
