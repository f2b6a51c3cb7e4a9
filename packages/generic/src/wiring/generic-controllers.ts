// Wires the generic pipeline: informers for ExternalSecrets, stores, ClusterExternalSecrets and
// Namespaces feed one work queue per kind; provider clients come from the registry shared with
// vault-native. The controller binary calls this once, like vaultNativeControllers.

import type { KubernetesObject, V1Namespace } from '@kubernetes/client-node';
import {
  type Model,
  type ModelDeps,
  modelController,
  objectKey,
  type ProviderRegistry,
  ResourceInformer,
  scopedInformer,
} from '@lockstep/core';
import type { ClusterExternalSecret } from '../api/cluster-external-secret.ts';
import type { ClusterPushSecret } from '../api/cluster-push-secret.ts';
import type { ExternalSecret } from '../api/external-secret.ts';
import type { GeneratorState } from '../api/generator-state.ts';
import type { PushSecret } from '../api/push-secret.ts';
import { clientExternalSecretWriter } from '../cluster-external-secret/external-secret-writer.ts';
import { reconcileClusterExternalSecret } from '../cluster-external-secret/reconcile-cluster-external-secret.ts';
import {
  clientPushSecretWriter,
  reconcileClusterPushSecret,
} from '../cluster-push-secret/reconcile-cluster-push-secret.ts';
import { clientGeneratorReader, generatorSource } from '../external-secret/generator-source.ts';
import { RecentSyncs } from '../external-secret/recent-syncs.ts';
import { reconcileExternalSecret } from '../external-secret/reconcile-external-secret.ts';
import { reconcileSecretStore } from '../external-secret/reconcile-secret-store.ts';
import { type StoreObject, StoreResolver } from '../external-secret/store-resolver.ts';
import { clientTemplateSources } from '../external-secret/template-sources.ts';
import { upcomingReadsFor } from '../external-secret/upcoming-reads.ts';
import { collectGeneratorState } from '../generator-state/collect-generator-state.ts';
import { clientGeneratorStates } from '../generator-state/generator-states.ts';
import { type LabelledStore, reconcilePushSecret } from '../push-secret/reconcile-push-secret.ts';
import { clientSourceSecretReader } from '../push-secret/source-secrets.ts';

export interface GenericOptions {
  /** Providers and generators of both packages (see registerGenericProviders). */
  registry: ProviderRegistry;
  /** `--coalesce-window`: how long an identical provider read is shared between ExternalSecrets. */
  coalesceWindowMs: number;
  /** `--controller-class`: stores whose spec.controller names another class are left alone. */
  controllerClass?: string;
  /** `--generator-gc-grace-period`: how long a superseded GeneratorState stays; default 2 minutes (ESO's). */
  generatorGcGraceMs?: number;
}

type Store = StoreObject & KubernetesObject;

export function genericControllers(deps: ModelDeps, options: GenericOptions): Model {
  const scope = deps.watchNamespaces;
  const ref = (kind: string, plural: string) => ({
    kubeConfig: deps.kc,
    apiVersion: 'external.lockstep.dev/v1',
    kind,
    plural,
    clock: deps.clock,
    log: deps.log,
  });
  const externalSecrets = scopedInformer<ExternalSecret>(ref('ExternalSecret', 'externalsecrets'), scope);
  const secretStores = scopedInformer<Store>(ref('SecretStore', 'secretstores'), scope);
  const clusterSecretStores = new ResourceInformer<Store>(ref('ClusterSecretStore', 'clustersecretstores'));
  const clusterExternalSecrets = new ResourceInformer<ClusterExternalSecret>(
    ref('ClusterExternalSecret', 'clusterexternalsecrets'),
  );
  const namespaces = new ResourceInformer<V1Namespace>({ ...ref('Namespace', 'namespaces'), apiVersion: 'v1' });
  const pushSecrets = scopedInformer<PushSecret>(ref('PushSecret', 'pushsecrets'), scope);
  const clusterPushSecrets = new ResourceInformer<ClusterPushSecret>(ref('ClusterPushSecret', 'clusterpushsecrets'));

  const resolver: StoreResolver = new StoreResolver({
    secretStores,
    clusterSecretStores,
    namespaces,
    registry: options.registry,
    kube: deps.kube,
    clock: deps.clock,
    coalesceWindowMs: options.coalesceWindowMs,
    controllerClass: options.controllerClass,
    // Read-ahead: a client may fetch what the queued ExternalSecrets will read through it.
    upcoming: (clientKey) =>
      upcomingReadsFor(
        {
          queued: (): Iterable<string> => esController.queue.waitingKeys(),
          externalSecrets,
          clientKeyOf: (namespace, ref) => resolver.clientKeyOf(namespace, ref),
        },
        clientKey,
      ),
  });
  const generate = generatorSource(options.registry, clientGeneratorReader(deps.kc), deps.kube, namespaces);
  const generatorStates = scopedInformer<GeneratorState & KubernetesObject>(
    { ...ref('GeneratorState', 'generatorstates'), apiVersion: 'generators.lockstep.dev/v1alpha1' },
    scope,
  );
  const states = clientGeneratorStates(deps.kc);
  // Generators on the lease engine (vault-native's VaultDynamicSecret), through core's registry.
  const leases = {
    generator: (kind: string) => options.registry.leasedGenerator(kind),
    read: clientGeneratorReader(deps.kc),
    kube: deps.kube,
  };
  const templateSources = clientTemplateSources(deps.kc, deps.secretApi);
  const writer = clientExternalSecretWriter(deps.kc);
  const recentSyncs = new RecentSyncs();
  const halfConcurrency = Math.max(1, Math.floor(deps.concurrency / 2));

  const esController = modelController(deps, {
    name: 'ExternalSecret',
    informer: externalSecrets,
    // ESO's reason for every failed sync; the message says the budget ran out.
    timeoutReason: 'SecretSyncedError',
    reconcile: (key) =>
      reconcileExternalSecret(key, {
        externalSecrets,
        secrets: deps.managedSecrets,
        stores: resolver,
        generate,
        leases,
        generatorStates: { states, graceMs: options.generatorGcGraceMs ?? 120_000 },
        templateSources,
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
  esController.watch(deps.managedSecrets, (secret) =>
    externalSecrets
      .list(secret.metadata?.namespace ?? '')
      .filter((es) => (es.spec?.target?.name || es.metadata?.name) === secret.metadata?.name)
      .map((es) => objectKey(es)),
  );
  // A store change re-runs the ExternalSecrets that use it.
  const usersOf = (kind: 'SecretStore' | 'ClusterSecretStore') => (store: Store) =>
    externalSecrets
      .list(kind === 'SecretStore' ? store.metadata?.namespace : undefined)
      .filter((es) => {
        const storeRef = es.spec?.secretStoreRef;
        return storeRef?.name === store.metadata?.name && (storeRef?.kind ?? 'SecretStore') === kind;
      })
      .map((es) => objectKey(es));
  esController.watch(secretStores, usersOf('SecretStore'));
  esController.watch(clusterSecretStores, usersOf('ClusterSecretStore'));
  // Namespace labels decide ClusterSecretStore conditions: re-check that namespace's users.
  esController.watch(namespaces, (ns) =>
    externalSecrets
      .list(ns.metadata?.name)
      .filter((es) => es.spec?.secretStoreRef?.kind === 'ClusterSecretStore')
      .map((es) => objectKey(es)),
  );

  const storeController = (kind: 'SecretStore' | 'ClusterSecretStore', stores: ResourceInformer<Store>) =>
    modelController(deps, {
      name: kind,
      informer: stores,
      concurrency: halfConcurrency,
      reconcile: (key) =>
        reconcileSecretStore(key, {
          kind,
          stores,
          resolver,
          status: deps.status,
          events: deps.events,
          now: () => deps.clock.now(),
          revalidateMs: 5 * 60_000,
        }),
    });

  const cesController = modelController(deps, {
    name: 'ClusterExternalSecret',
    informer: clusterExternalSecrets,
    concurrency: halfConcurrency,
    reconcile: (key) =>
      reconcileClusterExternalSecret(key, {
        clusterExternalSecrets,
        externalSecrets,
        namespaces,
        ...(scope.length > 0 ? { inScope: (ns: string) => scope.includes(ns) } : {}),
        writer,
        status: deps.status,
        events: deps.events,
        now: () => deps.clock.now(),
      }),
  });
  // A namespace labelled or unlabelled, created or deleted, may change every selection.
  cesController.watch(namespaces, () => clusterExternalSecrets.list().map((ces) => objectKey(ces)));
  // An ExternalSecret it owns changed or was deleted by hand: put it back.
  cesController.watch(
    externalSecrets,
    (es) => es.metadata?.ownerReferences?.filter((r) => r.kind === 'ClusterExternalSecret').map((r) => r.name) ?? [],
  );

  const psController = modelController(deps, {
    name: 'PushSecret',
    informer: pushSecrets,
    concurrency: halfConcurrency,
    reconcile: (key) =>
      reconcilePushSecret(key, {
        pushSecrets,
        stores: resolver,
        listStores: (kind, namespace): readonly LabelledStore[] =>
          kind === 'SecretStore' ? secretStores.list(namespace) : clusterSecretStores.list(),
        sources: clientSourceSecretReader(deps.kc, deps.secretApi),
        generate,
        templateSources,
        status: deps.status,
        events: deps.events,
        now: () => deps.clock.now(),
      }),
  });
  // A store change re-runs the PushSecrets that name it (or may select it by label).
  const pushersOf = (kind: 'SecretStore' | 'ClusterSecretStore') => (store: Store) =>
    pushSecrets
      .list(kind === 'SecretStore' ? store.metadata?.namespace : undefined)
      .filter((ps) =>
        ps.spec?.secretStoreRefs?.some(
          (r) =>
            (r.kind ?? 'SecretStore') === kind && (r.labelSelector !== undefined || r.name === store.metadata?.name),
        ),
      )
      .map((ps) => objectKey(ps));
  psController.watch(secretStores, pushersOf('SecretStore'));
  psController.watch(clusterSecretStores, pushersOf('ClusterSecretStore'));

  const cpsController = modelController(deps, {
    name: 'ClusterPushSecret',
    informer: clusterPushSecrets,
    concurrency: halfConcurrency,
    reconcile: (key) =>
      reconcileClusterPushSecret(key, {
        clusterPushSecrets,
        pushSecrets,
        namespaces,
        ...(scope.length > 0 ? { inScope: (ns: string) => scope.includes(ns) } : {}),
        writer: clientPushSecretWriter(deps.kc),
        status: deps.status,
        events: deps.events,
        now: () => deps.clock.now(),
      }),
  });
  cpsController.watch(namespaces, () => clusterPushSecrets.list().map((cps) => objectKey(cps)));
  // A PushSecret it owns changed or was deleted by hand: put it back.
  cpsController.watch(
    pushSecrets,
    (ps) => ps.metadata?.ownerReferences?.filter((r) => r.kind === 'ClusterPushSecret').map((r) => r.name) ?? [],
  );

  // Superseded GeneratorStates are deleted once their deadline passes.
  const gcController = modelController(deps, {
    name: 'GeneratorState',
    informer: generatorStates,
    concurrency: halfConcurrency,
    reconcile: (key) =>
      collectGeneratorState(key, { states: generatorStates, store: states, now: () => deps.clock.now() }),
  });

  return {
    controllers: [
      esController,
      storeController('SecretStore', secretStores),
      storeController('ClusterSecretStore', clusterSecretStores),
      cesController,
      psController,
      cpsController,
      gcController,
    ],
    informers: [namespaces],
    leaseSources: [],
    // Provider clients belong to the registry's owners (vault-native's pool, each provider's cache).
    stop() {},
  };
}
