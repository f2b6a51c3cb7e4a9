// What the binary builds once from its flags before any model runs: the Kubernetes clients
// and informer both models share (ModelDeps), the controller namespace's own state (the HMAC
// key, the encrypted login tokens) and the provider registry.

import { KubeConfig, type V1Secret } from '@kubernetes/client-node';
import {
  clientEventSink,
  clientRolloutRestarter,
  clientSecretApi,
  clientStatusPatcher,
  createEventRecorder,
  createKubeAccess,
  type LockstepMetrics,
  type Logger,
  loadOrCreateHmacKey,
  MANAGED_SELECTOR,
  type ModelDeps,
  type ProviderRegistry,
  realClock,
  reuseConnections,
  scopedInformer,
  systemRandom,
} from '@lockstep/core';
import {
  LocalTokenCipher,
  SecretTokenStore,
  StorageEncryptionCipher,
  TokenManager,
  type VaultPipelineHandle,
} from '@lockstep/vault-native';
import type { Flags } from './flags.ts';
import { createProviderRegistry } from './provider-registry.ts';

export interface Clients {
  /** What both models take. */
  deps: ModelDeps;
  /** Providers and generators of the generic pipeline, vault's included. */
  registry: ProviderRegistry;
  /** One Vault client pool and token manager for both models. */
  vault: VaultPipelineHandle;
  /** Seals the persisted login tokens; the Vault-native engine may switch it to a transit key. */
  cipher: StorageEncryptionCipher;
}

export async function createClients(flags: Flags, log: Logger, metrics: LockstepMetrics): Promise<Clients> {
  const kc = new KubeConfig();
  if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
  else kc.loadFromDefault();
  reuseConnections(kc);
  const clock = realClock;
  const secretApi = clientSecretApi(kc);
  const inControllerNamespace = (what: string) => (err: Error) => {
    throw new Error(
      `cannot read or create ${what} in namespace "${flags.controllerNamespace}" (--controller-namespace): ${err.message}`,
    );
  };
  const macKey = await loadOrCreateHmacKey(secretApi, flags.controllerNamespace).catch(
    inControllerNamespace('the HMAC key Secret'),
  );
  // One token manager and one client pool serve both models. Login tokens are kept encrypted in
  // the controller namespace, so a restarted controller keeps the leases bound to them alive.
  // Until a VaultAuth there names a transit key (storageEncryption), the local key seals them.
  const cipher = new StorageEncryptionCipher(
    await LocalTokenCipher.loadOrCreate(secretApi, flags.controllerNamespace).catch(
      inControllerNamespace('the token encryption key Secret'),
    ),
  );
  const tokens = new TokenManager({
    clock,
    store: new SecretTokenStore({ api: secretApi, namespace: flags.controllerNamespace, cipher }),
    onEvent: (event) => {
      if (event.kind === 'renewed') metrics.tokenRenewals.add(1, { result: 'renewed' });
      if (event.kind === 'renewFailed') metrics.tokenRenewals.add(1, { result: 'failed' });
    },
  });
  const { registry, vault } = createProviderRegistry({ flags, kc, metrics, tokens });
  const managedSecrets = scopedInformer<V1Secret>(
    {
      kubeConfig: kc,
      apiVersion: 'v1',
      kind: 'Secret',
      plural: 'secrets',
      labelSelector: MANAGED_SELECTOR,
      clock,
      log,
    },
    flags.namespaces,
  );
  const deps: ModelDeps = {
    kc,
    clock,
    random: systemRandom,
    log,
    metrics,
    kube: createKubeAccess(kc),
    secretApi,
    status: clientStatusPatcher(kc),
    events: createEventRecorder(clientEventSink(kc), clock),
    rollout: clientRolloutRestarter(kc),
    macKey,
    managedSecrets,
    watchNamespaces: flags.namespaces,
    concurrency: flags.concurrency,
    reconcileTimeoutMs: flags.reconcileTimeoutMs,
  };
  return { deps, registry, vault, cipher };
}
