// Wires the Vault-native engine: one informer + work queue per VSO kind, the managed-Secret
// informer for drift repair, and ONE lease scheduler that wakes leased resources when their
// renewal, re-issue or revocation is due. The controller binary calls this once.

import type { KubernetesObject } from '@kubernetes/client-node';
import {
  type Controller,
  type Model,
  type ModelDeps,
  modelController,
  objectKey,
  type ResourceInformer,
  scopedInformer,
} from '@lockstep/core';
import type { VaultAuth } from '../api/vault-auth.ts';
import type { VaultConnection } from '../api/vault-connection.ts';
import type { VaultDynamicSecret } from '../api/vault-dynamic-secret.ts';
import type { VaultPKISecret } from '../api/vault-pki-secret.ts';
import type { VaultStaticSecret } from '../api/vault-static-secret.ts';
import { TokenManager } from '../auth/token-manager.ts';
import { VaultClientPool } from '../client/vault-client-pool.ts';
import { LeaseScheduler } from '../lease/lease-scheduler.ts';
import { leasePosition, staggerSeed } from '../lease/token-stagger.ts';
import { RecentStatus } from './recent-status.ts';
import { reconcileVaultAuth } from './reconcile-vault-auth.ts';
import { reconcileVaultConnection } from './reconcile-vault-connection.ts';
import { reconcileVaultDynamicSecret } from './reconcile-vault-dynamic-secret.ts';
import { reconcileVaultPKISecret } from './reconcile-vault-pki-secret.ts';
import { reconcileVaultStaticSecret } from './reconcile-vault-static-secret.ts';
import { StorageEncryption } from './storage-encryption.ts';
import { TokenCache } from './token-cache.ts';
import type { VaultNativeContext } from './vault-context.ts';
import { VAULT_API, type VaultKind } from './vault-kinds.ts';

export interface VaultNativeOptions {
  /** Where the `default` VaultAuth and VaultConnection live (VSO: the operator's namespace). */
  controllerNamespace: string;
  /** Share these with registerVaultIntoPipeline so both models use one client and one token per identity. */
  tokens?: TokenManager;
  clients?: VaultClientPool;
  /** Grace before revoking a superseded lease when there are no rollout targets (default 300 s). */
  graceSeconds?: number;
  /** `--refuse-insecure-transport`: http:// VaultConnections are refused (Ready=False), not only flagged. */
  refuseInsecureTransport?: boolean;
}

export interface VaultNativeEngine extends Model {
  scheduler: LeaseScheduler;
  /** The transit cipher a controller-namespace VaultAuth's storageEncryption names (for token persistence). */
  storageEncryption: StorageEncryption;
}

type Kind = KubernetesObject & { spec?: { destination?: { name?: string } } };

export function vaultNativeControllers(deps: ModelDeps, options: VaultNativeOptions): VaultNativeEngine {
  const scope = deps.watchNamespaces;
  const { controllerNamespace } = options;
  // The `default` VaultConnection and VaultAuth live in the controller namespace: always watched.
  const withDefaults = scope.length > 0 ? [...new Set([...scope, controllerNamespace])] : [];
  const informer = <T extends object>(kind: VaultKind, plural: string) =>
    scopedInformer<T & KubernetesObject>(
      {
        kubeConfig: deps.kc,
        apiVersion: VAULT_API,
        kind,
        plural,
        clock: deps.clock,
        log: deps.log,
      },
      kind === 'VaultConnection' || kind === 'VaultAuth' ? withDefaults : scope,
    );
  const leased: Array<[Controller, ResourceInformer<Kind>]> = [];
  const connections = informer<VaultConnection>('VaultConnection', 'vaultconnections');
  const auths = informer<VaultAuth>('VaultAuth', 'vaultauths');
  const staticSecrets = informer<VaultStaticSecret>('VaultStaticSecret', 'vaultstaticsecrets');
  const pkiSecrets = informer<VaultPKISecret>('VaultPKISecret', 'vaultpkisecrets');
  const dynamicSecrets = informer<VaultDynamicSecret>('VaultDynamicSecret', 'vaultdynamicsecrets');

  // A replaced login token dooms the leases it created: wake the leased resources of its
  // namespace so each schedules its staggered re-issue (TokenExpiring).
  const tokens = new TokenCache(options.tokens ?? new TokenManager({ clock: deps.clock, random: deps.random }), {
    now: () => deps.clock.now(),
    onReplaced: (target) => {
      for (const [c, inf] of leased) for (const o of inf.list(target.namespace)) c.queue.add(objectKey(o));
    },
  });
  const ownsTokens = !options.tokens;
  const clients = options.clients ?? new VaultClientPool({ clock: deps.clock, random: deps.random });
  const queues = new Map<VaultKind, Controller>();
  const scheduler = new LeaseScheduler({
    clock: deps.clock,
    onDue: (scheduled) => {
      const bar = scheduled.indexOf('|');
      queues.get(scheduled.slice(0, bar) as VaultKind)?.queue.add(scheduled.slice(bar + 1));
    },
  });
  const storageEncryption = new StorageEncryption({
    auths,
    connections,
    kube: deps.kube,
    clients,
    // The controller's own transit login is kept in memory: it cannot live in the store it guards.
    tokens: new TokenManager({ clock: deps.clock, random: deps.random }),
    controllerNamespace,
    ...(options.refuseInsecureTransport ? { refuseInsecureTransport: true } : {}),
  });
  const seed = staggerSeed(deps.random);
  const m = deps.metrics;

  const ctx: VaultNativeContext = {
    auths,
    connections,
    secrets: deps.managedSecrets,
    kube: deps.kube,
    clients,
    tokens,
    controllerNamespace,
    ...(options.refuseInsecureTransport ? { refuseInsecureTransport: true } : {}),
    secretApi: deps.secretApi,
    status: deps.status,
    events: deps.events,
    rollout: deps.rollout,
    macKey: deps.macKey,
    now: () => deps.clock.now(),
    random: deps.random,
    schedule: (kind, key, at) => {
      if (at) scheduler.reschedule(`${kind}|${key}`, at);
      else scheduler.cancel(`${kind}|${key}`);
    },
    position: (key) => leasePosition(key, seed),
    recent: new RecentStatus(),
    ...(options.graceSeconds !== undefined ? { graceSeconds: options.graceSeconds } : {}),
    onSecretWrite: (kind, operation) => m.secretWrites.add(1, { kind, operation }),
    onRolloutRestart: (kind) => m.rolloutRestarts.add(1, { kind }),
    // docs/operations.md's labels: renewed, capped, failed.
    onLeaseRenewal: (result, lateSeconds) => {
      m.leaseRenewals.add(1, { result: result === 'success' ? 'renewed' : result === 'error' ? 'failed' : result });
      if (lateSeconds !== undefined) m.leaseRenewalLateness.record(lateSeconds);
    },
  };

  const controller = <T extends KubernetesObject>(
    kind: VaultKind,
    inf: ResourceInformer<T>,
    reconcile: (key: string, signal: AbortSignal) => Promise<{ requeueAfter?: number }>,
  ) => {
    const c = modelController(deps, { name: kind, informer: inf, reconcile });
    queues.set(kind, c);
    return c;
  };

  // Reads take the reconcile's signal, aborted when its budget runs out. Issuing kinds (PKI,
  // dynamic) do not: an issue aborted after Vault acted would orphan the credential, while
  // a late one is still recorded in the ledger when it settles.
  const connectionController = controller('VaultConnection', connections, (key, signal) =>
    reconcileVaultConnection(key, { ...ctx, signal }),
  );
  const authController = controller('VaultAuth', auths, (key) =>
    reconcileVaultAuth(key, { ...ctx, storageEncryption }),
  );
  const staticController = controller('VaultStaticSecret', staticSecrets, (key, signal) =>
    reconcileVaultStaticSecret(key, { ...ctx, signal, staticSecrets }),
  );
  const pkiController = controller('VaultPKISecret', pkiSecrets, (key) =>
    reconcileVaultPKISecret(key, { ...ctx, pkiSecrets }),
  );
  const dynamicController = controller('VaultDynamicSecret', dynamicSecrets, (key) =>
    reconcileVaultDynamicSecret(key, { ...ctx, dynamicSecrets }),
  );

  // A VaultConnection change re-validates the VaultAuths; either re-runs every secret kind
  // (a missing VaultAuth that appears, a rotated CA).
  authController.watch(connections, () => auths.list().map((a) => objectKey(a)));
  // At most one VaultAuth of the controller namespace may set storageEncryption: re-check the others.
  authController.watch(auths, (changed) =>
    changed.metadata?.namespace === controllerNamespace
      ? auths
          .list(controllerNamespace)
          .filter((a) => a !== changed && a.spec?.storageEncryption)
          .map((a) => objectKey(a))
      : [],
  );
  leased.push([pkiController, pkiSecrets], [dynamicController, dynamicSecrets]);
  const syncers: Array<[Controller, ResourceInformer<Kind>]> = [[staticController, staticSecrets], ...leased];
  for (const [c, inf] of syncers) {
    const all = () => inf.list().map((o) => objectKey(o));
    c.watch(auths, all);
    c.watch(connections, all);
    // A changed or deleted destination Secret re-runs its owner: drift repair.
    c.watch(deps.managedSecrets, (secret) =>
      inf
        .list(secret.metadata?.namespace)
        .filter((o) => o.spec?.destination?.name === secret.metadata?.name)
        .map((o) => objectKey(o)),
    );
  }

  return {
    controllers: [connectionController, authController, staticController, pkiController, dynamicController],
    informers: [],
    // Lease gauges read the ledger in each VaultDynamicSecret's status (lease-gauges in the controller).
    leaseSources: [{ kind: 'VaultDynamicSecret', list: () => dynamicSecrets.list() }],
    scheduler,
    storageEncryption,
    /** Stops the scheduler and releases login tokens (revokes nothing). Stop the controllers first. */
    stop() {
      scheduler.stop();
      storageEncryption.stop();
      tokens.stop();
      if (ownsTokens) tokens.manager.stop();
      if (!options.clients) clients.closeAll();
    },
  };
}
