// The ExternalSecret reconciler in four steps: load (informer caches), decide (pure),
// act (provider -> template -> Secret writer -> rollout), record (one status patch).

import type { V1OwnerReference, V1Secret } from '@kubernetes/client-node';
import {
  announceSecretWrite,
  BackendError,
  type Condition,
  compileTemplate,
  conditionsEqual,
  DATA_MAC_ANNOTATION,
  dataMac,
  decodeData,
  describeFailure,
  type EventRecorder,
  firstViolation,
  type MultiLedgerStatus,
  ownershipRefusal,
  parseGoDuration,
  parseObjectKey,
  READY_CONDITION,
  type ReconcileResult,
  type RolloutRestarter,
  restartValue,
  type SecretApi,
  type SecretMap,
  type StatusPatcher,
  secretOwnership,
  setCondition,
  writeSecret,
} from '@lockstep/core';
import type { ExternalSecret } from '../api/external-secret.ts';
import { TARGET_POLICY_RULES } from '../api/external-secret-target.ts';
import {
  deliveredAt,
  type GeneratorSource,
  generatorSourcesOf,
  recordGenerations,
} from '../generator-state/generation-ledger.ts';
import type { GeneratorStates } from '../generator-state/generator-states.ts';
import {
  LEASE_FINALIZER,
  type LeasedSources,
  type LeaseRun,
  leasedRefOf,
  lockstepStatus,
  releaseLeases,
  runLease,
  UNDELIVERED_MAC,
} from './leased-source.ts';
import type { RecentSyncs } from './recent-syncs.ts';
import {
  decideRefresh,
  nextRefreshAt,
  type RefreshDecision,
  refreshPhaseMs,
  type SyncReason,
  specVersion,
} from './refresh-decision.ts';
import { renderTarget, type TemplateSources } from './render-target.ts';
import { DataSpecError, type GeneratorRefSpec, resolveData } from './resolve-data.ts';
import { type ObjectCache, StoreError, type StoreResolver } from './store-resolver.ts';

export const EXTERNAL_SECRET_API = { group: 'external.lockstep.dev', version: 'v1', plural: 'externalsecrets' };

export interface ExternalSecretContext {
  externalSecrets: ObjectCache<ExternalSecret>;
  /** Managed Secrets (the label-filtered informer). */
  secrets: ObjectCache<V1Secret>;
  stores: StoreResolver;
  generate(namespace: string, ref: GeneratorRefSpec): Promise<SecretMap>;
  /** Generators on the lease engine (VaultDynamicSecret); absent: none registered. */
  leases?: LeasedSources;
  /** GeneratorStates of plain generator sources, superseded ones collected after `graceMs`; absent: none kept. */
  generatorStates?: { states: GeneratorStates; graceMs: number };
  templateSources(namespace: string): TemplateSources;
  secretApi: SecretApi;
  status: StatusPatcher;
  events: EventRecorder;
  rollout: RolloutRestarter;
  /** Our own last status writes, until the cache shows them: one per controller, not per reconcile. */
  recentSyncs: RecentSyncs;
  macKey: Uint8Array;
  now(): Date;
  random(): number;
  onSecretWrite?(operation: 'create' | 'update' | 'delete'): void;
  onRolloutRestart?(): void;
}

/** The API server's limit on a Secret's data. */
const MAX_SECRET_BYTES = 1024 * 1024;

/** A failure that is not retried (a user error) waits for a watch event, or this long. */
const USER_ERROR_RECHECK_MS = 5 * 60_000;

export async function reconcileExternalSecret(key: string, ctx: ExternalSecretContext): Promise<ReconcileResult> {
  // 1. load
  const { namespace = '', name } = parseObjectKey(key);
  const es = ctx.externalSecrets.get(namespace, name);
  if (!es) return {};
  if (es.metadata?.deletionTimestamp) return finalize(es, ctx);
  // Its store belongs to another --controller-class: that controller serves it; write nothing.
  if (ctx.stores.usesOtherControllerClass(namespace, storeRefsOf(es))) return {};
  const now = ctx.now();
  const targetName = es.spec.target?.name || name;
  // The cache may not show our last status patch yet (see RecentSyncs).
  const synced = ctx.recentSyncs.freshest(es.metadata?.uid, es.status);
  const bound = synced.binding !== undefined;
  // A bound Secret missing from the cache may only lag behind our own create: ask the API server
  // before creating it again (and generating new values for it). Only a missing Secret pays this GET.
  const existing =
    ctx.secrets.get(namespace, targetName) ??
    (bound && managesTarget(es) ? await ctx.secretApi.get(namespace, targetName) : undefined);

  // 2. decide
  // ESO rejects these policy combinations at admission; a cluster that skipped the CRD's CEL rules gets them here.
  const policyProblem = firstViolation(TARGET_POLICY_RULES, es.spec.target ?? {});
  if (policyProblem) return record(es, ctx, { ok: false, reason: 'InvalidSpec', message: policyProblem }, now);
  let intervalMs: number;
  try {
    intervalMs = parseGoDuration(es.spec.refreshInterval ?? '1h', 'spec.refreshInterval');
  } catch (err) {
    return record(es, ctx, { ok: false, reason: 'SecretSyncedError', message: (err as Error).message }, now);
  }
  const phaseMs = refreshPhaseMs(intervalMs, stableFraction(`${phaseSeed(es, namespace)}@${intervalMs}`));
  const decision = decideRefresh({
    now,
    specVersion: specVersion(es.metadata ?? {}),
    syncedVersion: synced.syncedResourceVersion,
    refreshTime: synced.refreshTime ? new Date(synced.refreshTime) : undefined,
    refreshPolicy: es.spec.refreshPolicy ?? 'Periodic',
    refreshIntervalMs: intervalMs,
    phaseMs,
    target: targetState(es, existing, bound, ctx.macKey),
  });
  // A leased source (VaultDynamicSecret) runs the lease engine at every reconcile; the Secret
  // is rewritten only when it issues (its values are nowhere else), so its lease, not
  // refreshInterval, paces the refreshes. See leased-source.ts.
  let lease: LeaseRun | undefined;
  let leaseStatus = ctx.recentSyncs.freshestLedgers(es.metadata?.uid, es.status?.lockstep);
  if (!decision.sync && !ctx.leases) return nextRun(decision);

  // 3. act
  try {
    const leased = leasedRefOf(es, ctx.leases);
    if (!leased && !decision.sync) return nextRun(decision);
    if (leased && ctx.leases) {
      await holdFinalizer(es, ctx);
      lease = await runLease(es, leased, decision, leaseStatus, existing, { ...ctx, leases: ctx.leases });
      leaseStatus = lockstepStatus(lease, leaseStatus?.secretMAC);
      if (!lease.result.issued) return await recordLease(es, ctx, lease, leaseStatus, now);
      // Until the write succeeds, the ledger names a credential the Secret does not hold.
      leaseStatus = lockstepStatus(lease, UNDELIVERED_MAC);
    }
    const reason = lease?.result.issued?.reason ?? (decision.sync ? decision.reason : 'RefreshDue');
    const generators = generatorSourcesOf(es.spec, (kind) => ctx.leases?.generator(kind) !== undefined);
    // A sync the status does not show may have been delivered just before a restart: GeneratorStates tell.
    const delivered =
      !lease && (reason === 'InitialSync' || reason === 'SpecChanged')
        ? await deliveredBefore(es, existing, generators, ctx)
        : undefined;
    const generated = new Map<string, string[]>();
    const outcome: Outcome = delivered
      ? { ok: true, reason: 'SecretSynced', message: 'Secret was synced', synced: true }
      : await sync(es, existing, targetName, withGeneratedKeys(ctx, generated), now, intervalMs, reason, lease);
    if (lease && outcome.ok && outcome.mac) leaseStatus = lockstepStatus(lease, outcome.mac);
    if (outcome.ok && outcome.written && outcome.mac)
      await keepGeneratorStates(es, generators, generated, outcome.mac, ctx, now);
    // 4. record
    const result = await record(es, ctx, outcome, delivered ?? now, lease ? leaseStatus : undefined);
    if (lease) return afterLease(es, ctx, lease, now);
    return intervalMs > 0 && (es.spec.refreshPolicy ?? 'Periodic') === 'Periodic'
      ? { requeueAfter: Math.max(0, nextRefreshAt(now, intervalMs, phaseMs).getTime() - ctx.now().getTime()) }
      : result;
  } catch (err) {
    // ESO's one failure reason; the message and the retry follow core's failure policy. An
    // issued lease is recorded all the same (as undelivered), so it is never lost track of.
    const failure = describeFailure(err);
    await record(
      es,
      ctx,
      { ok: false, reason: 'SecretSyncedError', message: failure.message },
      now,
      lease ? leaseStatus : undefined,
    );
    if (failure.retry) throw err;
    return { requeueAfter: USER_ERROR_RECHECK_MS };
  }
}

/** Deletion: revoke the leases the ExternalSecret holds, then drop the finalizer. */
async function finalize(es: ExternalSecret, ctx: ExternalSecretContext): Promise<ReconcileResult> {
  const finalizers = es.metadata?.finalizers ?? [];
  if (!finalizers.includes(LEASE_FINALIZER)) return {};
  if (ctx.leases) {
    try {
      const revoked = await releaseLeases(es, ctx.leases, es.status?.lockstep);
      if (revoked.length) ctx.events.normal(involved(es), 'LeaseRevoked', `revoked ${revoked.join(', ')}`);
    } catch (err) {
      const failure = describeFailure(err);
      if (failure.retry) throw err;
      // The generator or its auth is gone: nothing can be revoked, and the object must not hang forever.
      ctx.events.warning(involved(es), 'RevokeFailed', `lease not revoked on delete: ${failure.message}`);
    }
  }
  await ctx.status.patchMetadata(target(es), { finalizers: finalizers.filter((f) => f !== LEASE_FINALIZER) });
  return {};
}

async function holdFinalizer(es: ExternalSecret, ctx: ExternalSecretContext): Promise<void> {
  const finalizers = es.metadata?.finalizers ?? [];
  if (finalizers.includes(LEASE_FINALIZER)) return;
  await ctx.status.patchMetadata(target(es), { finalizers: [...finalizers, LEASE_FINALIZER] });
}

/** A lease run that issued nothing: record the ledger (renewed, revoked, failed) and wake when it is due. */
async function recordLease(
  es: ExternalSecret,
  ctx: ExternalSecretContext,
  lease: LeaseRun,
  lockstep: MultiLedgerStatus,
  now: Date,
): Promise<ReconcileResult> {
  const { error } = lease.result;
  const failure = error !== undefined ? describeFailure(error) : undefined;
  const conditions = failure
    ? setCondition(
        es.status?.conditions,
        {
          type: READY_CONDITION,
          status: 'False',
          reason: 'SecretSyncedError',
          message: failure.message,
          observedGeneration: es.metadata?.generation,
        },
        now,
      )
    : es.status?.conditions;
  const changed = !conditionsEqual(conditions, es.status?.conditions);
  if (changed || JSON.stringify(lockstep) !== JSON.stringify(es.status?.lockstep ?? {})) {
    await ctx.status.patchStatus(target(es), { ...(changed ? { conditions } : {}), lockstep });
    ctx.recentSyncs.rememberLedgers(es.metadata?.uid, lockstep);
  }
  if (failure && changed) ctx.events.warning(involved(es), 'SecretSyncedError', failure.message);
  if (failure?.retry) throw error;
  if (failure) return { requeueAfter: USER_ERROR_RECHECK_MS };
  return afterLease(es, ctx, lease, now);
}

/** Events for the superseded leases revoked in this run, and the next wake-up: when the lease is due. */
function afterLease(es: ExternalSecret, ctx: ExternalSecretContext, lease: LeaseRun, now: Date): ReconcileResult {
  for (const id of lease.result.revoked)
    ctx.events.normal(involved(es), 'LeaseRevoked', `revoked superseded lease ${id}`);
  const next = lease.result.next;
  return next ? { requeueAfter: Math.max(0, next.getTime() - now.getTime()) } : {};
}

function target(es: ExternalSecret) {
  return { ...EXTERNAL_SECRET_API, namespace: es.metadata?.namespace, name: es.metadata?.name ?? '' };
}

/** Every store an ExternalSecret names: its secretStoreRef and each entry's sourceRef.storeRef. */
function storeRefsOf(es: ExternalSecret): Array<{ name: string; kind?: string } | undefined> {
  return [
    es.spec.secretStoreRef,
    ...(es.spec.data ?? []).map((d) => d.sourceRef?.storeRef),
    ...(es.spec.dataFrom ?? []).map((d) => d.sourceRef?.storeRef),
  ];
}

type Outcome =
  | {
      ok: true;
      reason: 'SecretSynced' | 'SecretDeleted';
      message: string;
      synced: true;
      mac?: string;
      written?: boolean;
    }
  | { ok: false; reason: 'SecretSyncedError' | 'SecretMissing' | 'InvalidSpec'; message: string };

async function sync(
  es: ExternalSecret,
  cached: V1Secret | undefined,
  targetName: string,
  ctx: ExternalSecretContext,
  now: Date,
  intervalMs: number,
  /** Why it syncs (a SyncReason, or the lease engine's reason for issuing). */
  reason: SyncReason | string,
  lease?: LeaseRun,
): Promise<Outcome> {
  const namespace = es.metadata?.namespace ?? '';
  const storeRef = es.spec.secretStoreRef;
  const target = es.spec.target ?? {};
  const deletionPolicy = target.deletionPolicy ?? 'Retain';

  const { data, missing } = await resolveData(
    { data: es.spec.data, dataFrom: es.spec.dataFrom },
    {
      client: (ref) => {
        const use = ref ?? storeRef;
        if (!use)
          throw new StoreError(
            'InvalidStoreSpec',
            'spec.secretStoreRef is required unless every entry names a sourceRef',
          );
        // A shared read is at most half a refresh interval old, so a change lands on the next refresh.
        return ctx.stores.client(namespace, use, intervalMs > 0 ? { maxAgeMs: intervalMs / 2 } : {});
      },
      // The leased source answers what its lease engine just issued.
      generate: async (ref) =>
        lease?.result.issued && ref.kind === lease.leased.ref.kind && ref.name === lease.leased.ref.name
          ? lease.result.issued.data
          : ctx.generate(namespace, ref),
    },
    (template, value) => compileTemplate('rewrite.transform', template).execute({ value }),
  );

  if (missing.length > 0 && deletionPolicy === 'Retain') {
    return {
      ok: false,
      reason: 'SecretSyncedError',
      message: `remote secret not found: ${missing.join(', ')}; fix the key or set target.deletionPolicy`,
    };
  }
  if (missing.length > 0 && Object.keys(data).length === 0 && deletionPolicy === 'Delete') {
    // Only a Secret created for this very ExternalSecret is deleted; any other stays as it is.
    const current = cached ?? (await ctx.secretApi.get(namespace, targetName));
    const ownership = secretOwnership(current, es.metadata?.uid ?? '');
    if (current && ownership.state !== 'Ours') {
      return {
        ok: false,
        reason: 'SecretSyncedError',
        message: `remote secrets are gone, but the target is left in place: ${ownershipRefusal(targetName, ownership, 'ExternalSecret')}`,
      };
    }
    if (current) {
      await ctx.secretApi.delete(namespace, targetName, { uid: current.metadata?.uid });
      ctx.onSecretWrite?.('delete');
      ctx.events.normal(
        involved(es),
        'SecretDeleted',
        `deleted Secret "${targetName}": its remote secrets are gone (deletionPolicy Delete)`,
      );
    }
    return {
      ok: true,
      reason: 'SecretDeleted',
      message: 'remote secrets are gone; the target Secret was deleted',
      synced: true,
    };
  }

  const rendered = await renderTarget(target.template, data, ctx.templateSources(namespace));
  const size = Object.entries(rendered.data).reduce((n, [k, v]) => n + k.length + v.byteLength, 0);
  if (size > MAX_SECRET_BYTES) {
    throw new DataSpecError(
      `the Secret would hold ${size} bytes, more than the ${MAX_SECRET_BYTES} (1 MiB) a Kubernetes Secret can hold: select fewer or smaller keys`,
    );
  }
  const creationPolicy = target.creationPolicy ?? 'Owner';
  // A Secret we do not manage yet (Merge target, or a name clash) is not in the label-filtered cache.
  const existing = cached ?? (creationPolicy !== 'None' ? await ctx.secretApi.get(namespace, targetName) : undefined);
  const result = await writeSecret(ctx.secretApi, {
    desired: {
      namespace,
      name: targetName,
      data: rendered.data,
      labels: rendered.labels,
      annotations: rendered.annotations,
      ...(rendered.type ? { type: rendered.type } : {}),
      ...(target.immutable ? { immutable: true } : {}),
    },
    creationPolicy,
    owner: ownerRef(es),
    existing,
    macKey: ctx.macKey,
    hints: {
      notOwned: 'delete it, or set target.creationPolicy to Merge to add keys to it',
      missing: 'creationPolicy Merge only adds keys to an existing Secret: create it first or use Owner',
    },
  });
  if ('blocked' in result && result.blocked) {
    return {
      ok: false,
      reason: result.blocked.reason === 'SecretMissing' ? 'SecretMissing' : 'SecretSyncedError',
      message: result.blocked.message,
    };
  }
  if (result.written) {
    const plan = result.plan;
    const why = plan.action === 'none' || plan.action === 'blocked' ? '' : plan.reason;
    await announceSecretWrite(
      {
        events: ctx.events,
        rollout: ctx.rollout,
        onSecretWrite: (operation) => ctx.onSecretWrite?.(operation),
        onRolloutRestart: () => ctx.onRolloutRestart?.(),
      },
      {
        involved: involved(es),
        namespace,
        operation: plan.action === 'create' ? 'create' : 'update',
        // Why it synced (the decision) and what the write changed: "(TargetDrifted, Drifted)".
        event: { reason: 'Updated', message: `Secret "${targetName}" written (${reason}, ${why})` },
        targets: es.spec.rolloutRestartTargets ?? [],
        // Restart once per data change: never for a first sync, a drift repair or metadata only.
        // A re-issued lease restarts with its rotation's value whenever it replaces a credential
        // (drift repairs too): the engine revokes the old lease only after that rollout.
        ...(lease?.result.issued
          ? plan.action === 'create'
            ? {}
            : { restart: { value: lease.result.issued.restartValue } }
          : why === 'DataChanged'
            ? { restart: { value: restartValue(now, result.mac) } }
            : {}),
      },
    );
  }
  return {
    ok: true,
    reason: 'SecretSynced',
    message: 'Secret was synced',
    synced: true,
    written: result.written,
    ...('mac' in result ? { mac: result.mac } : {}),
  };
}

/** The context with `generate` noting the keys each generator answered (for its GeneratorState). */
function withGeneratedKeys(ctx: ExternalSecretContext, generated: Map<string, string[]>): ExternalSecretContext {
  if (!ctx.generatorStates) return ctx;
  return {
    ...ctx,
    generate: async (namespace, ref) => {
      const data = await ctx.generate(namespace, ref);
      generated.set(`${ref.kind}/${ref.name}`, Object.keys(data));
      return data;
    },
  };
}

/** When the GeneratorStates show this spec already delivered into the Secret as it is now (see generation-ledger.ts). */
async function deliveredBefore(
  es: ExternalSecret,
  existing: V1Secret | undefined,
  generators: GeneratorSource[],
  ctx: ExternalSecretContext,
): Promise<Date | undefined> {
  if (!ctx.generatorStates || generators.length === 0 || !existing || !managesTarget(es)) return undefined;
  if (secretOwnership(existing, es.metadata?.uid ?? '').state !== 'Ours') return undefined;
  const mac = existing.metadata?.annotations?.[DATA_MAC_ANNOTATION];
  if (mac !== dataMac(ctx.macKey, decodeData(existing.data))) return undefined;
  const records = await ctx.generatorStates.states.list(
    stateOwner(es),
    generators.map((g) => g.source),
  );
  return deliveredAt(records, generators, specVersion(es.metadata ?? {}), mac);
}

/**
 * One GeneratorState per generator source that ran for this write; older ones get their GC
 * deadline. The Secret is written already: a failure here is a Warning, never a failed sync
 * (which would generate again).
 */
async function keepGeneratorStates(
  es: ExternalSecret,
  generators: GeneratorSource[],
  generated: Map<string, string[]>,
  mac: string,
  ctx: ExternalSecretContext,
  now: Date,
): Promise<void> {
  const book = ctx.generatorStates;
  const ran = generators.flatMap((g) => {
    const keys = generated.get(`${g.ref.kind}/${g.ref.name}`);
    return keys ? [{ ...g, keys }] : [];
  });
  if (!book || ran.length === 0) return;
  try {
    await recordGenerations(book.states, stateOwner(es), ran, {
      secretMAC: mac,
      specVersion: specVersion(es.metadata ?? {}),
      now,
      graceMs: book.graceMs,
    });
  } catch (err) {
    ctx.events.warning(
      involved(es),
      'GeneratorStateFailed',
      `GeneratorState not recorded: ${describeFailure(err).message}`,
    );
  }
}

function stateOwner(es: ExternalSecret) {
  return {
    apiVersion: `${EXTERNAL_SECRET_API.group}/${EXTERNAL_SECRET_API.version}`,
    kind: 'ExternalSecret',
    namespace: es.metadata?.namespace ?? '',
    name: es.metadata?.name ?? '',
    uid: es.metadata?.uid ?? '',
  };
}

async function record(
  es: ExternalSecret,
  ctx: ExternalSecretContext,
  outcome: Outcome,
  now: Date,
  lockstep?: MultiLedgerStatus,
): Promise<ReconcileResult> {
  const conditions: Condition[] = setCondition(
    es.status?.conditions,
    {
      type: READY_CONDITION,
      status: outcome.ok ? 'True' : 'False',
      reason: outcome.reason,
      message: outcome.message,
      observedGeneration: es.metadata?.generation,
    },
    now,
  );
  const synced = outcome.ok
    ? {
        refreshTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        syncedResourceVersion: specVersion(es.metadata ?? {}),
        binding: { name: es.spec.target?.name || es.metadata?.name || '' },
      }
    : undefined;
  if (!synced && !lockstep && conditionsEqual(conditions, es.status?.conditions)) return {};
  await ctx.status.patchStatus(target(es), { conditions, ...synced, ...(lockstep ? { lockstep } : {}) });
  if (synced) ctx.recentSyncs.remember(es.metadata?.uid, synced);
  if (lockstep) ctx.recentSyncs.rememberLedgers(es.metadata?.uid, lockstep);
  if (!outcome.ok) ctx.events.warning(involved(es), outcome.reason, outcome.message);
  return {};
}

/** Merge and None targets are somebody else's Secret (not in the managed cache): they refresh on schedule. */
function managesTarget(es: ExternalSecret): boolean {
  const policy = es.spec.target?.creationPolicy ?? 'Owner';
  return policy !== 'None' && policy !== 'Merge';
}

function targetState(
  es: ExternalSecret,
  existing: V1Secret | undefined,
  bound: boolean,
  macKey: Uint8Array,
): 'InSync' | 'Missing' | 'Drifted' | 'NotManaged' {
  if (!managesTarget(es)) return 'NotManaged';
  if (!existing) return bound ? 'Missing' : 'InSync';
  if (secretOwnership(existing, es.metadata?.uid ?? '').state !== 'Ours') return 'NotManaged';
  const recorded = existing.metadata?.annotations?.[DATA_MAC_ANNOTATION];
  return recorded === dataMac(macKey, decodeData(existing.data)) ? 'InSync' : 'Drifted';
}

function nextRun(decision: Extract<RefreshDecision, { sync: false }>): ReconcileResult {
  return decision.requeueAfterMs !== undefined ? { requeueAfter: decision.requeueAfterMs } : {};
}

function ownerRef(es: ExternalSecret): V1OwnerReference {
  return {
    apiVersion: `${EXTERNAL_SECRET_API.group}/${EXTERNAL_SECRET_API.version}`,
    kind: 'ExternalSecret',
    name: es.metadata?.name ?? '',
    uid: es.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

function involved(es: ExternalSecret) {
  return {
    apiVersion: `${EXTERNAL_SECRET_API.group}/${EXTERNAL_SECRET_API.version}`,
    kind: 'ExternalSecret',
    namespace: es.metadata?.namespace,
    name: es.metadata?.name ?? '',
    uid: es.metadata?.uid,
  };
}

/** ExternalSecrets of one store share refresh slots (see refreshPhaseMs); generator-only ones get their own. */
function phaseSeed(es: ExternalSecret, namespace: string): string {
  const ref = es.spec.secretStoreRef;
  if (!ref) return es.metadata?.uid ?? `${namespace}/${es.metadata?.name}`;
  const kind = ref.kind ?? 'SecretStore';
  return kind === 'ClusterSecretStore' ? `${kind}/${ref.name}` : `${kind}/${namespace}/${ref.name}`;
}

/** A fraction in [0, 1) fixed by the seed: the refresh phase stays put across restarts. */
function stableFraction(seed: string): number {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  return (h >>> 0) / 2 ** 32;
}

export { BackendError };
