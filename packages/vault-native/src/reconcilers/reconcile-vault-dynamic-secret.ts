// VaultDynamicSecret in four steps on the lease engine. Load (caches, plus the rollout state
// while a superseded lease awaits it), decide (renew at renewalPercent, re-issue when capped
// or expiring, which previous leases may be revoked), act (Vault calls, the Secret, the
// restart), record (one status patch with the ledger; the scheduler wakes it when due).
// A restarted controller resumes from the ledger and re-issues nothing that is alive.

import type { ReconcileResult } from '@lockstep/core';
import type { VaultDynamicSecret } from '../api/vault-dynamic-secret.ts';
import type { LeaseBackend } from '../lease/lease-backend.ts';
import { checkDestinationSpec } from './destination.ts';
import { dynamicBackend } from './dynamic-backend.ts';
import { type LeasedSyncResult, syncLeased } from './leased-sync.ts';
import type { ObjectCache } from './object-cache.ts';
import { finalizeLeased, leasedReady, loadLeased, recordFailure, recordLeased, rfc3339 } from './reconcile-steps.ts';
import { buildSecretData, durationSeconds, type SourceData } from './secret-data.ts';
import { keptReadyReason } from './status-record.ts';
import type { VaultNativeContext } from './vault-context.ts';
import type { VaultSession } from './vault-session.ts';

export interface DynamicSecretContext extends VaultNativeContext {
  dynamicSecrets: ObjectCache<VaultDynamicSecret>;
  /** The lease engine's backend (default: `dynamicBackend`, Vault through the session). Unit tests put a fake here. */
  dynamicBackend?(vds: VaultDynamicSecret, session: VaultSession): LeaseBackend<SourceData>;
}

const KIND = 'VaultDynamicSecret';
const REVOKED = { reason: 'LeaseRevoked', noun: 'lease' } as const;

export async function reconcileVaultDynamicSecret(key: string, ctx: DynamicSecretContext): Promise<ReconcileResult> {
  // 1. load
  const loaded = loadLeased(KIND, key, ctx.dynamicSecrets, ctx);
  if (!loaded) return {};
  const { obj: vds, now } = loaded;
  if (vds.metadata?.deletionTimestamp) return finalize(vds, key, ctx);

  // 2. decide: the spec's own checks; the lease engine decides the rest inside syncLeased.
  let refreshAfterSeconds: number | undefined;
  try {
    checkDestinationSpec(vds.spec.destination);
    refreshAfterSeconds = durationSeconds(vds.spec.refreshAfter, 'spec.refreshAfter');
    secretData(vds, { fields: {}, raw: {} });
  } catch (err) {
    return recordFailure(KIND, vds, err, ctx, now);
  }
  const ledger = vds.status?.lockstep?.ledger;
  // Static creds rotate at the end of their ttl: read again just after it. A ttl of 0 means the
  // rotation is due but OpenBao has not run it yet (its rotation queue ticks every few
  // seconds): look again soon rather than never.
  if (vds.spec.allowStaticCreds && ledger) {
    refreshAfterSeconds = Math.min(refreshAfterSeconds ?? Number.POSITIVE_INFINITY, ledger.ttlSeconds + 1);
  }

  // 3. act
  let result: LeasedSyncResult;
  try {
    result = await syncLeased(
      {
        kind: KIND,
        key,
        obj: vds,
        finalizer: vds.spec.revoke,
        backend: (session) => (ctx.dynamicBackend ?? dynamicBackend)(vds, session),
        revokeSuperseded: true,
        // Only what answers with a lease can be orphaned: static creds and non-leased paths
        // (known from the last issue) are read with the login token, no child token per read.
        leaseGroups: !vds.spec.allowStaticCreds && !(ledger?.issuedAt && !ledger.leaseId),
        decision: {
          renewalPercent: vds.spec.renewalPercent,
          ...(refreshAfterSeconds !== undefined ? { refreshAfterSeconds } : {}),
        },
        secretData: (issued) => secretData(vds, issued),
      },
      ctx,
    );
  } catch (err) {
    return recordFailure(KIND, vds, err, ctx, now);
  }

  // 4. record
  const { act } = result;
  const next = act.ledger;
  const ready = leasedReady(result, {
    ok: true,
    reason:
      result.issuedReason ?? (act.renewed ? 'LeaseRenewed' : keptReadyReason(vds.status?.conditions, 'SecretSynced')),
    message: next?.leaseId
      ? `lease ${next.leaseId} valid until ${next.expiresAt ?? 'unknown'}`
      : `credentials synced to Secret "${vds.spec.destination.name}"`,
  });
  const staticMeta = result.issuedData?.metadata;
  const status = {
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
    leaseExpiry: next?.expiresAt ? rfc3339(next.expiresAt) : undefined,
  };
  return recordLeased({ kind: KIND, key, obj: vds, now, result, ready, revoked: REVOKED, status }, ctx);
}

function secretData(vds: VaultDynamicSecret, issued: { fields: Record<string, unknown>; raw: unknown }) {
  return buildSecretData(issued, vds.spec.destination.transformation, vds.spec.destination);
}

/** Deletion with revoke: true revokes the live lease and any superseded one, then lets the object go. */
function finalize(vds: VaultDynamicSecret, key: string, ctx: DynamicSecretContext): Promise<ReconcileResult> {
  const backend = (session: VaultSession) => (ctx.dynamicBackend ?? dynamicBackend)(vds, session);
  return finalizeLeased(
    { kind: KIND, key, obj: vds, revoke: vds.spec.revoke, backend, revoked: REVOKED, leaseGroups: true },
    ctx,
  );
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
