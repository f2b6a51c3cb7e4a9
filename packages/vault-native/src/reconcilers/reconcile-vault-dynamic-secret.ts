// VaultDynamicSecret in four steps on the lease engine. Load (caches, plus the rollout state
// while a superseded lease awaits it), decide (renew at renewalPercent, re-issue when capped
// or expiring, which previous leases may be revoked), act (Vault calls, the Secret, the
// restart), record (one status patch with the ledger; the scheduler wakes it when due).
// A restarted controller resumes from the ledger and re-issues nothing that is alive.

import { parseObjectKey, type ReconcileResult } from '@lockstep/core';
import type { VaultDynamicSecret } from '../api/vault-dynamic-secret.ts';
import { dynamicBackend } from './dynamic-backend.ts';
import { revokeAll, syncFinalizer, syncLeased } from './leased-sync.ts';
import type { ObjectCache } from './object-cache.ts';
import { RECHECK_MS } from './reconcile-vault-static-secret.ts';
import { buildSecretData, durationSeconds } from './secret-data.ts';
import { patchStatusIfChanged, type ReadyState, readyConditions } from './status-record.ts';
import { describeFailure, retryable } from './sync-failure.ts';
import type { VaultNativeContext } from './vault-context.ts';
import { involved, statusTarget, VAULT_FINALIZER } from './vault-kinds.ts';
import { openSession } from './vault-session.ts';

export interface DynamicSecretContext extends VaultNativeContext {
  dynamicSecrets: ObjectCache<VaultDynamicSecret>;
}

const KIND = 'VaultDynamicSecret';

export async function reconcileVaultDynamicSecret(key: string, ctx: DynamicSecretContext): Promise<ReconcileResult> {
  // 1. load
  const { namespace = '', name } = parseObjectKey(key);
  const cached = ctx.dynamicSecrets.get(namespace, name);
  if (!cached) {
    ctx.schedule(KIND, key, undefined);
    ctx.recent.forget(`${KIND}/${key}`);
    return {};
  }
  const now = ctx.now();
  const vds = { ...cached, status: ctx.recent.resolve(`${KIND}/${key}`, cached.status, now) };
  const target = statusTarget(KIND, vds);
  if (vds.metadata?.deletionTimestamp) return finalize(vds, key, ctx);

  // 2. decide: the spec's own checks; the lease engine decides the rest inside syncLeased.
  let refreshAfterSeconds: number | undefined;
  try {
    refreshAfterSeconds = durationSeconds(vds.spec.refreshAfter, 'spec.refreshAfter');
    secretData(vds, { fields: {}, raw: {} });
  } catch (err) {
    return fail(vds, err, ctx, now);
  }
  const ledger = vds.status?.lockstep?.ledger;
  // Static creds rotate at the end of their ttl: read again just after it. A ttl of 0 means the
  // rotation is due but OpenBao has not run it yet (its rotation queue ticks every few
  // seconds): look again soon rather than never.
  if (vds.spec.allowStaticCreds && ledger) {
    refreshAfterSeconds = Math.min(refreshAfterSeconds ?? Number.POSITIVE_INFINITY, ledger.ttlSeconds + 1);
  }

  // 3. act
  let result: Awaited<ReturnType<typeof syncLeased>>;
  try {
    await syncFinalizer(vds, vds.spec.revoke, ctx, target, VAULT_FINALIZER);
    const session = await openSession(namespace, vds.spec.vaultAuthRef, vds.spec.namespace, ctx);
    result = await syncLeased(
      {
        kind: KIND,
        key,
        obj: vds,
        session,
        backend: dynamicBackend(vds, session),
        revokeSuperseded: true,
        decision: {
          renewalPercent: vds.spec.renewalPercent,
          ...(refreshAfterSeconds !== undefined ? { refreshAfterSeconds } : {}),
        },
        secretData: (issued) => secretData(vds, issued),
      },
      ctx,
    );
  } catch (err) {
    return fail(vds, err, ctx, now);
  }

  // 4. record
  const { act } = result;
  const next = act.ledger;
  const failure = result.error !== undefined ? describeFailure(result.error) : undefined;
  const ready: ReadyState = result.blocked
    ? { ok: false, reason: 'DestinationBlocked', message: result.blocked }
    : failure
      ? { ok: false, reason: failure.reason, message: failure.message }
      : {
          ok: true,
          reason: result.issuedReason ?? (act.renewed ? 'LeaseRenewed' : 'SecretSynced'),
          message: next?.leaseId
            ? `lease ${next.leaseId} valid until ${next.expiresAt ?? 'unknown'}`
            : `credentials synced to Secret "${vds.spec.destination.name}"`,
        };
  const staticMeta = result.issuedData?.metadata;
  const recorded = {
    lastGeneration: result.issuedReason ? vds.metadata?.generation : vds.status?.lastGeneration,
    lastRenewalTime: act.renewed ? Math.floor(now.getTime() / 1000) : vds.status?.lastRenewalTime,
    secretLease: next?.leaseId
      ? {
          id: next.leaseId,
          duration: next.ttlSeconds,
          renewable: next.renewable,
          ...(next.requestId ? { requestID: next.requestId } : {}),
        }
      : undefined,
    staticCredsMetaData:
      vds.spec.allowStaticCreds && staticMeta
        ? {
            lastVaultRotation: unix(staticMeta.last_vault_rotation),
            rotationPeriod: num(staticMeta.rotation_period),
            ttl: num(staticMeta.ttl),
          }
        : vds.status?.staticCredsMetaData,
    secretMAC: result.secretMAC,
    leaseExpiry: next?.expiresAt ? rfc3339(next.expiresAt) : undefined,
    nextRotation: act.next ? rfc3339(act.next.toISOString()) : undefined,
    conditions: readyConditions(vds.status?.conditions, ready, vds.metadata?.generation, now),
    lockstep: next ? { ledger: next } : undefined,
  };
  const changed = await patchStatusIfChanged(ctx.status, target, vds.status, recorded);
  ctx.recent.remember(`${KIND}/${key}`, recorded, now);
  if (changed && !ready.ok) ctx.events.warning(involved(KIND, vds), ready.reason, ready.message);
  for (const lease of act.revoked) {
    ctx.events.normal(involved(KIND, vds), 'LeaseRevoked', `revoked superseded lease ${lease}`);
  }
  // Transient: nothing was revoked or lost; back off.
  if (failure?.transient) throw retryable(result.error, failure);
  ctx.schedule(KIND, key, ready.ok ? act.next : new Date(now.getTime() + RECHECK_MS));
  return {};
}

function secretData(vds: VaultDynamicSecret, issued: { fields: Record<string, unknown>; raw: unknown }) {
  return buildSecretData(issued, vds.spec.destination.transformation, vds.spec.destination);
}

/** Deletion with revoke: true revokes the live lease and any superseded one, then lets the object go. */
async function finalize(vds: VaultDynamicSecret, key: string, ctx: DynamicSecretContext): Promise<ReconcileResult> {
  ctx.schedule(KIND, key, undefined);
  if (!vds.metadata?.finalizers?.includes(VAULT_FINALIZER)) return {};
  if (vds.spec.revoke) {
    try {
      const session = await openSession(vds.metadata.namespace ?? '', vds.spec.vaultAuthRef, vds.spec.namespace, ctx);
      const revoked = await revokeAll(vds.status?.lockstep?.ledger, dynamicBackend(vds, session));
      if (revoked.length) ctx.events.normal(involved(KIND, vds), 'LeaseRevoked', `revoked ${revoked.join(', ')}`);
    } catch (err) {
      const failure = describeFailure(err);
      if (failure.transient) throw retryable(err, failure);
      ctx.events.warning(involved(KIND, vds), 'RevokeFailed', `lease not revoked on delete: ${failure.message}`);
    }
  }
  await syncFinalizer(vds, false, ctx, statusTarget(KIND, vds), VAULT_FINALIZER);
  return {};
}

async function fail(
  vds: VaultDynamicSecret,
  err: unknown,
  ctx: DynamicSecretContext,
  now: Date,
): Promise<ReconcileResult> {
  const failure = describeFailure(err);
  const changed = await patchStatusIfChanged(ctx.status, statusTarget(KIND, vds), vds.status, {
    conditions: readyConditions(
      vds.status?.conditions,
      { ok: false, reason: failure.reason, message: failure.message },
      vds.metadata?.generation,
      now,
    ),
  });
  if (changed) ctx.events.warning(involved(KIND, vds), failure.reason, failure.message);
  if (failure.transient) throw retryable(err, failure);
  return { requeueAfter: RECHECK_MS };
}

function unix(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
  }
  return 0;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function rfc3339(iso: string): string {
  return `${iso.slice(0, 19)}Z`;
}
