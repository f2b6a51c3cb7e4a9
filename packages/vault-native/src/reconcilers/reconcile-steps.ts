// The lines of the four steps that read the same in every Vault-native secret kind: load a
// leased object (with the status recorded last), record a failure as Ready=False, record a
// leased sync, and finalize a leased object on delete. Each reconciler keeps its own story
// (what it checks, what it calls, what its status says) and hands the common part here.

import {
  type Condition,
  describeFailure,
  type FailureDescription,
  parseObjectKey,
  type ReconcileResult,
} from '@lockstep/core';
import type { LeaseBackend } from '../lease/lease-backend.ts';
import { failureMessage } from './expired-credential.ts';
import { vaultLeaseGroups } from './lease-group.ts';
import { type LeasedKind, type LeasedObject, type LeasedSyncResult, revokeAll, syncFinalizer } from './leased-sync.ts';
import type { ObjectCache } from './object-cache.ts';
import type { SourceData } from './secret-data.ts';
import { patchStatusIfChanged, type ReadyState, readyConditions } from './status-record.ts';
import type { VaultNativeContext } from './vault-context.ts';
import { involved, statusTarget, VAULT_FINALIZER, type VaultKind, type VaultObject } from './vault-kinds.ts';
import { openSession, type VaultSession } from './vault-session.ts';

/** Bad input waits for a change, but is looked at again after this long (a VaultAuth may appear). */
export const RECHECK_MS = 60_000;

/** What a leased kind revokes, as its events name it. */
export interface Revoked {
  reason: 'LeaseRevoked' | 'CertificateRevoked';
  noun: 'lease' | 'certificate';
}

interface WithConditions extends VaultObject {
  status?: { conditions?: Condition[] };
}

/**
 * Step 1 of a leased kind: the object from the informer cache, its status overlaid with what
 * this controller recorded last while the cache lags. Gone from the cache: its wake-ups and
 * remembered status go too, and there is nothing to do.
 */
export function loadLeased<T extends LeasedObject>(
  kind: LeasedKind,
  key: string,
  cache: ObjectCache<T>,
  ctx: VaultNativeContext,
): { obj: T; now: Date } | undefined {
  const { namespace = '', name } = parseObjectKey(key);
  const cached = cache.get(namespace, name);
  if (!cached) {
    ctx.schedule(kind, key, undefined);
    ctx.recent.forget(`${kind}/${key}`);
    return undefined;
  }
  const now = ctx.now();
  return { obj: { ...cached, status: ctx.recent.resolve(`${kind}/${key}`, cached.status, now) }, now };
}

/**
 * A sync that failed before anything was issued or written: Ready=False saying what to fix,
 * with a warning when that is news. Retried (core's failure policy): throw so the work queue
 * backs off; the Secret and everything in it stay as they are. Otherwise look again after
 * `requeueAfterMs`.
 */
export async function recordFailure(
  kind: VaultKind,
  obj: WithConditions,
  err: unknown,
  ctx: VaultNativeContext,
  now: Date,
  opts: { fields?: (failure: FailureDescription) => Record<string, unknown>; requeueAfterMs?: number } = {},
): Promise<ReconcileResult> {
  const failure = describeFailure(err);
  const changed = await patchStatusIfChanged(ctx.status, statusTarget(kind, obj), obj.status, {
    ...opts.fields?.(failure),
    conditions: readyConditions(
      obj.status?.conditions,
      { ok: false, reason: failure.reason, message: failure.message },
      obj.metadata?.generation,
      now,
    ),
  });
  if (changed) ctx.events.warning(involved(kind, obj), failure.reason, failure.message);
  if (failure.retry) throw err;
  return { requeueAfter: opts.requeueAfterMs ?? RECHECK_MS };
}

/** Ready after a leased sync: False when the Secret could not be written or the engine failed, else `synced`. */
export function leasedReady(result: LeasedSyncResult, synced: ReadyState): ReadyState {
  if (result.blocked) return { ok: false, reason: 'DestinationBlocked', message: result.blocked };
  if (result.error !== undefined) {
    const failure = describeFailure(result.error);
    return { ok: false, reason: failure.reason, message: failureMessage(failure.message, result.expired) };
  }
  return synced;
}

export interface LeasedRecord {
  kind: LeasedKind;
  key: string;
  obj: LeasedObject & WithConditions;
  now: Date;
  result: LeasedSyncResult;
  ready: ReadyState;
  revoked: Revoked;
  /** The kind's own status fields; the ledger, MAC, generation, next rotation and Ready are added here. */
  status: Record<string, unknown>;
}

/**
 * Step 4 of a leased kind: one status patch (remembered until the cache shows it), a warning
 * when Ready turned False, an event per superseded credential revoked, and the next wake-up.
 */
export async function recordLeased(r: LeasedRecord, ctx: VaultNativeContext): Promise<ReconcileResult> {
  const { kind, key, obj, now, result, ready } = r;
  const { act } = result;
  const failure = result.error !== undefined ? describeFailure(result.error) : undefined;
  const recorded = {
    ...r.status,
    lastGeneration: result.issuedReason ? obj.metadata?.generation : obj.status?.lastGeneration,
    secretMAC: result.secretMAC,
    // A retried failure moves no schedule. Recording the engine's "due now" would change the
    // status on every failed run, and the watch event of that patch would run the resource
    // again at once, past the queue's backoff: a hot loop against a failing Vault.
    nextRotation: failure?.retry
      ? (obj.status as { nextRotation?: string } | undefined)?.nextRotation
      : act.next
        ? rfc3339(act.next.toISOString())
        : undefined,
    conditions: readyConditions(obj.status?.conditions, ready, obj.metadata?.generation, now),
    lockstep:
      act.ledger || act.pendingIssue
        ? {
            ...(act.ledger ? { ledger: act.ledger } : {}),
            ...(act.pendingIssue ? { pendingIssue: act.pendingIssue } : {}),
          }
        : undefined,
  };
  // The intent this run patched is in the stored status already: diff against that, so a
  // settled intent is deleted (merge patch null) rather than left behind.
  const stored = act.intentWritten
    ? { ...obj.status, lockstep: { ...obj.status?.lockstep, pendingIssue: act.intentWritten } }
    : obj.status;
  let changed: boolean;
  try {
    changed = await patchStatusIfChanged(ctx.status, statusTarget(kind, obj), stored, recorded);
  } catch (err) {
    // The API server is unreachable, but Vault answered: what it granted (a renewal, a
    // revocation) is known only here. Keep it, and keep the lease's own wake-up, so renewals go
    // on at their time from memory rather than at the queue's doubling backoff, which soon
    // outgrows a short lease. A run that issued is left to the backoff: its ledger needs the
    // intent and the Secret it could not write.
    if (!act.issued) {
      ctx.recent.remember(`${kind}/${key}`, recorded, now);
      if (act.next) ctx.schedule(kind, key, act.next);
    }
    throw err;
  }
  ctx.recent.remember(`${kind}/${key}`, recorded, now);
  if (changed && !ready.ok) ctx.events.warning(involved(kind, obj), ready.reason, ready.message);
  for (const id of act.revoked) {
    ctx.events.normal(involved(kind, obj), r.revoked.reason, `revoked superseded ${r.revoked.noun} ${id}`);
  }
  // Retried: nothing was revoked or lost; back off.
  if (failure?.retry) throw result.error;
  ctx.schedule(kind, key, ready.ok ? act.next : new Date(now.getTime() + RECHECK_MS));
  return {};
}

export interface LeasedFinalize {
  kind: LeasedKind;
  key: string;
  obj: LeasedObject;
  /** spec.revoke: revoke the live credential and every superseded one first. */
  revoke: boolean;
  backend(session: VaultSession): LeaseBackend<SourceData>;
  revoked: Revoked;
  /** Runs after revoking, before the object goes (PKI's spec.clear). */
  cleanup?(): Promise<void>;
  /** The kind issues through lease groups: an interrupted issue's child token is revoked too. */
  leaseGroups?: boolean;
}

/** Deletion: revoke what the ledger holds when asked to, clean up, then let the object go. */
export async function finalizeLeased(f: LeasedFinalize, ctx: VaultNativeContext): Promise<ReconcileResult> {
  const { kind, obj } = f;
  ctx.schedule(kind, f.key, undefined);
  if (!obj.metadata?.finalizers?.includes(VAULT_FINALIZER)) return {};
  if (f.revoke) {
    try {
      const session = await openSession(obj.metadata.namespace ?? '', obj.spec.vaultAuthRef, obj.spec.namespace, ctx);
      const revoked = await revokeAll(obj.status?.lockstep?.ledger, f.backend(session));
      const pending = obj.status?.lockstep?.pendingIssue;
      if (pending && f.leaseGroups) await vaultLeaseGroups(session, `${kind}/${f.key}`, ctx.now).closeGroup(pending);
      if (revoked.length) ctx.events.normal(involved(kind, obj), f.revoked.reason, `revoked ${revoked.join(', ')}`);
    } catch (err) {
      const failure = describeFailure(err);
      if (failure.retry) throw err;
      // The VaultAuth is gone or broken: nothing can be revoked, and the object must not hang forever.
      ctx.events.warning(
        involved(kind, obj),
        'RevokeFailed',
        `${f.revoked.noun} not revoked on delete: ${failure.message}`,
      );
    }
  }
  await f.cleanup?.();
  await syncFinalizer(obj, false, ctx, statusTarget(kind, obj), VAULT_FINALIZER);
  return {};
}

/** Status timestamps in RFC 3339 at second precision, as the CRDs' date columns show them. */
export function rfc3339(iso: string): string {
  return `${iso.slice(0, 19)}Z`;
}
