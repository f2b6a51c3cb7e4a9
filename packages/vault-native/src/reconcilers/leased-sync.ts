// The shared body of the leased kinds (VaultDynamicSecret, VaultPKISecret): hold the
// finalizer and log in, decide with the lease engine over the ledger in status, act
// (issue/renew/revoke through a LeaseBackend, write the Secret, restart the targets), and
// hand back what the kind records.
//
// Invariants (SPEC §2): the previous credential is revoked only after the rollout finished
// (or the grace period when there are no targets); a transient error changes nothing and
// revokes nothing; the ledger is recorded even when writing the Secret failed, so no
// issued credential is ever lost track of.

import {
  announceSecretWrite,
  BackendError,
  type Destination,
  dataMac,
  type LeaseLedger,
  type PendingIssue,
  type RolloutRestartTarget,
} from '@lockstep/core';
import type { LeaseBackend } from '../lease/lease-backend.ts';
import type { LeaseDecisionInput } from '../lease/lease-decision.ts';
import { decideLease } from '../lease/lease-decision.ts';
import { executeLeasePlan, type LeaseActResult } from '../lease/lease-engine.ts';
import { destinationBlocked, destinationData, destinationState, writeDestination } from './destination.ts';
import { type ExpiredCredential, expiredCredential } from './expired-credential.ts';
import { reportIssueGuard } from './issue-guard-events.ts';
import { vaultLeaseGroups } from './lease-group.ts';
import type { SourceData } from './secret-data.ts';
import { reportTokenResume } from './token-resume-events.ts';
import { announcer, type VaultNativeContext } from './vault-context.ts';
import { involved, ownerReference, statusTarget, VAULT_FINALIZER, type VaultObject } from './vault-kinds.ts';
import { openSession, type VaultSession } from './vault-session.ts';

export type LeasedKind = 'VaultDynamicSecret' | 'VaultPKISecret';

export interface LeasedObject extends VaultObject {
  spec: {
    vaultAuthRef?: string;
    /** Vault namespace of the secret. */
    namespace?: string;
    destination: Destination;
    rolloutRestartTargets?: RolloutRestartTarget[];
  };
  status?: {
    lastGeneration?: number;
    secretMAC?: string;
    lockstep?: { ledger?: LeaseLedger; pendingIssue?: PendingIssue };
  };
}

export interface LeasedSyncInput {
  kind: LeasedKind;
  key: string;
  obj: LeasedObject;
  /** The finalizer is held while deleting must revoke or clear something. */
  finalizer: boolean;
  backend(session: VaultSession): LeaseBackend<SourceData>;
  /** PKI revokes superseded certificates only with spec.revoke; dynamic secrets always. */
  revokeSuperseded: boolean;
  /**
   * Issue through a lease group (a child token recorded before issuing) so a crash between the
   * issue and the status patch orphans nothing. Dynamic secrets: yes; certificates hold no lease.
   */
  leaseGroups?: boolean;
  /** Kind-specific decision inputs: renewalPercent, refreshAfterSeconds, expiryOffsetSeconds. */
  decision: Pick<LeaseDecisionInput, 'renewalPercent' | 'refreshAfterSeconds' | 'expiryOffsetSeconds'>;
  /** Builds the Secret data from issued material (kind-specific keys, then the transformation). */
  secretData(issued: SourceData): Record<string, Uint8Array>;
}

export interface LeasedSyncResult {
  act: LeaseActResult<SourceData>;
  /** Why the live credential was (re-)issued, when it was. */
  issuedReason?: string;
  issuedData?: SourceData;
  /** MAC of what the Secret now holds (unchanged when nothing was issued). */
  secretMAC: string | undefined;
  /** The destination could not be written; says what to fix. */
  blocked?: string;
  /** The failure to report (the ledger is still recorded). */
  error?: unknown;
  /** The live credential expired and this run could not replace it (Vault unreachable, sealed…). */
  expired?: ExpiredCredential;
}

/** Recorded as `secretMAC` when an issued credential could not be written. */
const UNDELIVERED_MAC = 'undelivered';

/** Rollouts are watched by polling the targets while a superseded credential waits for them. */
export const DEFAULT_ROLLOUT_POLL_SECONDS = 2;

export async function syncLeased(input: LeasedSyncInput, ctx: VaultNativeContext): Promise<LeasedSyncResult> {
  const { obj, kind } = input;
  const namespace = obj.metadata?.namespace ?? '';
  const target = statusTarget(kind, obj);
  const resourceKey = `${kind}/${input.key}`;
  await syncFinalizer(obj, input.finalizer, ctx, target, VAULT_FINALIZER);
  const session = await openSession(namespace, obj.spec.vaultAuthRef, obj.spec.namespace, ctx);
  reportTokenResume(session, namespace, ctx.tokens.manager, ctx.events);
  const now = ctx.now();
  const ledger = obj.status?.lockstep?.ledger;
  const targets = obj.spec.rolloutRestartTargets ?? [];
  const awaitingRollout = (ledger?.previous ?? []).some((p) => p.state === 'AwaitingRollout');
  const rollout =
    awaitingRollout && targets.length > 0 ? { state: await ctx.rollout.state(namespace, targets) } : undefined;
  // The lease's own login token, which may be one the TokenManager already replaced.
  const tokenLifetime = ctx.tokens.lifetime(ledger?.tokenAccessor, session.token);
  // Only a credential already written can have drifted.
  const destination = ledger?.issuedAt
    ? destinationState(
        await destinationData(namespace, obj.spec.destination, obj.metadata?.uid ?? '', ctx),
        obj.status?.secretMAC,
        (d) => dataMac(ctx.macKey, d),
      )
    : undefined;
  const decisionInput: LeaseDecisionInput = {
    ledger,
    now,
    ...input.decision,
    ...(obj.metadata?.generation !== undefined ? { generation: obj.metadata.generation } : {}),
    ...(obj.status?.lastGeneration !== undefined ? { lastGeneration: obj.status.lastGeneration } : {}),
    jitter: ctx.position(resourceKey),
    ...(tokenLifetime ? { token: tokenLifetime } : {}),
    hasTargets: targets.length > 0,
    ...(rollout ? { rollout } : {}),
    ...(ctx.graceSeconds !== undefined ? { graceSeconds: ctx.graceSeconds } : {}),
    rolloutPollSeconds: ctx.rolloutPollSeconds ?? DEFAULT_ROLLOUT_POLL_SECONDS,
    ...(obj.status?.lockstep?.pendingIssue ? { pendingIssue: obj.status.lockstep.pendingIssue } : {}),
    ...(destination ? { destination } : {}),
  };
  const plan = decideLease(decisionInput);

  const owner = ownerReference(kind, obj);
  if (plan.action.kind === 'Issue') {
    const blocked = await destinationBlocked({ namespace, destination: obj.spec.destination, owner }, ctx);
    if (blocked) {
      // Nothing acts: an interrupted issue's intent stays for the run that can settle it.
      const pendingIssue = decisionInput.pendingIssue;
      const idle = { ledger, revoked: [], dropped: [], next: undefined, ...(pendingIssue ? { pendingIssue } : {}) };
      return { act: idle, secretMAC: obj.status?.secretMAC, blocked };
    }
  }
  const backend = input.backend(session);
  const act = await executeLeasePlan(plan, decisionInput, {
    backend: input.leaseGroups ? { ...backend, ...vaultLeaseGroups(session, resourceKey, ctx.now) } : backend,
    now: ctx.now,
    random: ctx.random,
    revokeSuperseded: input.revokeSuperseded,
    ...(input.leaseGroups
      ? {
          recordIntent: (pending: PendingIssue) =>
            ctx.status.patchStatus(target, { lockstep: { pendingIssue: pending } }),
        }
      : {}),
  });
  reportIssueGuard(kind, obj, act, ctx.events);
  if (act.renewed) ctx.onLeaseRenewal?.(act.renewed.capped ? 'capped' : 'success', act.renewed.lateSeconds);
  if (act.renewRejected) {
    ctx.onLeaseRenewal?.('error');
    // Why a live credential was replaced: Vault's own answer, never a value.
    ctx.events.warning(
      involved(kind, obj),
      'LeaseRenewalRejected',
      `Vault refused to renew lease ${ledger?.leaseId ?? ''} (${act.renewRejected.errorClass}): ${act.renewRejected.message}; a new credential was issued`,
    );
  }
  const out: LeasedSyncResult = { act, secretMAC: obj.status?.secretMAC, ...(act.error ? { error: act.error } : {}) };
  const expired = act.error && !act.issued ? expiredCredential(act.ledger, ctx.now()) : undefined;
  if (expired) out.expired = expired;
  if (!act.issued) return out;

  out.issuedReason = act.issued.reason;
  out.issuedData = act.issued.data;
  // Until the write succeeds, the ledger names a credential the Secret does not hold: a MAC no
  // data matches makes the next run see the destination drifted and deliver a credential.
  out.secretMAC = UNDELIVERED_MAC;
  try {
    const data = input.secretData(act.issued.data);
    const written = await writeDestination({ namespace, destination: obj.spec.destination, data, owner }, ctx);
    if ('blocked' in written) {
      out.blocked = written.blocked;
      return out;
    }
    out.secretMAC = written.mac;
    if (!written.written) return out;
    await announceSecretWrite(announcer(kind, ctx), {
      involved: involved(kind, obj),
      namespace,
      operation: written.reason === 'Created' ? 'create' : 'update',
      event: {
        reason: 'SecretRotated',
        message: `Secret "${obj.spec.destination.name}" written with a new credential (${act.issued.reason})`,
      },
      targets,
      // A first sync has nobody to restart; every later rotation restarts once, with a value unique to it.
      ...(written.reason !== 'Created' ? { restart: { value: act.issued.restartValue, why: act.issued.reason } } : {}),
    });
  } catch (err) {
    out.error ??= err;
  }
  return out;
}

/** Removes the finalizer, or adds it when the resource needs one; answers whether it patched. */
export async function syncFinalizer(
  obj: VaultObject,
  want: boolean,
  ctx: VaultNativeContext,
  target: { group: string; version: string; plural: string; namespace?: string; name: string },
  finalizer: string,
): Promise<void> {
  const current = obj.metadata?.finalizers ?? [];
  const has = current.includes(finalizer);
  if (has === want) return;
  const finalizers = want ? [...current, finalizer] : current.filter((f) => f !== finalizer);
  await ctx.status.patchMetadata(target, { finalizers });
}

/** Revokes everything the ledger holds (the live credential and superseded ones). NotFound counts as revoked. */
export async function revokeAll(ledger: LeaseLedger | undefined, backend: LeaseBackend<SourceData>): Promise<string[]> {
  const revoked: string[] = [];
  const entries = [ledger, ...(ledger?.previous ?? [])];
  for (const e of entries) {
    if (!e) continue;
    const ref = e.leaseId ? { leaseId: e.leaseId } : e.serialNumber ? { serialNumber: e.serialNumber } : undefined;
    if (!ref) continue;
    try {
      await backend.revoke(ref);
    } catch (err) {
      if (!(err instanceof BackendError && err.errorClass === 'NotFound')) throw err;
    }
    revoked.push(e.leaseId || e.serialNumber || '');
  }
  return revoked;
}
