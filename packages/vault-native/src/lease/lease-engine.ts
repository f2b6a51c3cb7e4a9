// Carries out a LeasePlan against a LeaseBackend and answers the NEW ledger (pure data for
// the status patch) plus what happened. All state lives in the ledger, so a restarted or
// newly elected controller resumes from the resource's status and re-issues nothing.
//
// Invariants:
// - A superseded credential is revoked only after the rollout finished (or grace elapsed);
//   the live one is never revoked here.
// - A transient error (Vault down, sealed, throttled) changes nothing and revokes nothing.
// - A failed revoke keeps its entry (state Revoking) for a later retry: never lost.
// - At most one issue per run, so a failure after issuing never issues twice.
// - With a lease group (backend.openGroup and ctx.recordIntent), the intent naming the issue's
//   child token is recorded before Vault is asked, and an intent left by an interrupted issue is
//   settled (its child token revoked) before anything else: no lease outlives its record.

import {
  BackendError,
  describeFailure,
  isNotFound,
  isRetryable,
  type LeaseLedger,
  type PendingIssue,
  type PreviousLease,
  type Random,
  restartValue,
} from '@lockstep/core';
import { pendingIssueOf, type Recovery } from './issue-intent.ts';
import type { GroupOutcome, IssuedCredential, LeaseBackend, LeaseGroup, RevokeRef } from './lease-backend.ts';
import {
  DEFAULT_GRACE_SECONDS,
  decideLease,
  type IssueReason,
  type LeaseDecisionInput,
  type LeasePlan,
  revokeHandle,
} from './lease-decision.ts';

export interface LeaseActContext<Data = Record<string, string>> {
  backend: LeaseBackend<Data>;
  now: () => Date;
  /** For rotation IDs. */
  random: Random;
  /**
   * Keep superseded credentials for revocation (default true). Dynamic secrets always
   * revoke the previous lease; PKI does so only when `spec.revoke` is set.
   */
  revokeSuperseded?: boolean;
  /**
   * Records the intent of an issue (one status patch) before the credential is asked for. With
   * it and `backend.openGroup`, every issue runs with a child token whose accessor is on record.
   */
  recordIntent?(pending: PendingIssue): Promise<void>;
}

export interface IssuedResult<Data> {
  data: Data;
  reason: IssueReason;
  /** Unique per rotation; recorded in the ledger. */
  rotationId: string;
  /** The `lockstep.dev/restartedAt` value for this rotation's restart. */
  restartValue: string;
}

export interface LeaseActResult<Data = Record<string, string>> {
  /** The ledger to write in the status patch, whole (undefined: none yet). */
  ledger: LeaseLedger | undefined;
  /** A fresh credential: write it, then restart the targets with `restartValue`. */
  issued?: IssuedResult<Data>;
  /** lateSeconds: from when the renewal fell due to when Vault granted it (queue wait, backoff, the call). */
  renewed?: { ttlSeconds: number; capped: boolean; lateSeconds: number };
  /** Vault refused a renewal (past the max TTL, lease gone): the engine re-issued instead. */
  renewRejected?: BackendError;
  /** Lease IDs and certificate serials revoked in this run. */
  revoked: string[];
  /** Superseded credentials dropped because they expired on their own. */
  dropped: string[];
  /**
   * The first failure. When set, back off (transient classes) or wait for a change, rather
   * than requeueing at `next`; the ledger still records whatever did succeed.
   */
  error?: BackendError;
  /** When to run again if nothing fails (the scheduler's wake-up for this resource). */
  next: Date | undefined;
  /** What `status.lockstep.pendingIssue` must hold after this run (undefined: nothing pending). */
  pendingIssue?: PendingIssue;
  /** The intent this run wrote to status (so the record step knows the stored status has it). */
  intentWritten?: PendingIssue;
  /** An interrupted issue settled in this run. */
  recovered?: { recovery: Recovery; outcome: GroupOutcome | 'Cleared' };
  /** The issue ran with the login token: no lease group could be created (policy). */
  unguarded?: boolean;
}

/** Acts on `plan` (from `decideLease(input)`) and answers the new ledger and what happened. */
export async function executeLeasePlan<Data>(
  plan: LeasePlan,
  input: LeaseDecisionInput,
  ctx: LeaseActContext<Data>,
): Promise<LeaseActResult<Data>> {
  const result: LeaseActResult<Data> = {
    ledger: input.ledger,
    revoked: [],
    dropped: [],
    next: undefined,
    ...(input.pendingIssue ? { pendingIssue: input.pendingIssue } : {}),
  };
  // An interrupted issue first: until its child token is revoked, nothing else may issue.
  if (plan.recover && !(await recover(plan.recover, ctx, result))) {
    result.next = plan.next;
    return result;
  }
  const confirmed = await confirmExpiry(plan, input, ctx);
  let ledger = dropExpired(confirmed.ledger, confirmed.plan, result);
  let transient = false;

  const action = confirmed.plan.action;
  if (action.kind === 'Renew' && ledger) {
    try {
      const renewal = await ctx.backend.renew(action.leaseId, action.incrementSeconds);
      const at = ctx.now();
      // Vault counts the increment from now and grants less when the max TTL caps it.
      const capped = renewal.ttlSeconds < action.incrementSeconds;
      ledger = {
        ...ledger,
        ttlSeconds: renewal.ttlSeconds,
        // Recorded as not renewable so the next decision re-issues (reason LeaseCapped).
        renewable: renewal.renewable && !capped,
        lastRenewedAt: at.toISOString(),
        expiresAt: new Date(at.getTime() + renewal.ttlSeconds * 1000).toISOString(),
      };
      const lateSeconds = Math.max(0, at.getTime() - action.dueAt.getTime()) / 1000;
      result.renewed = { ttlSeconds: renewal.ttlSeconds, capped, lateSeconds };
    } catch (err) {
      const error = classify(err);
      if (isRetryable(error)) {
        result.error = error;
        transient = true;
      } else {
        // Renewing again would fail the same way: replace the credential now.
        result.renewRejected = error;
        ledger = await issue(ledger, 'RenewalRejected', input, ctx, result);
      }
    }
  } else if (action.kind === 'Issue') {
    ledger = await issue(ledger, action.reason, input, ctx, result);
  }
  if (result.error && isRetryable(result.error)) transient = true;

  // Vault is unreachable or throttling: revoking now would fail too, and nothing may be lost.
  if (!transient) ledger = await revokeSuperseded(ledger, confirmed.plan.revokePrevious, ctx, result);

  result.ledger = ledger;
  const { pendingIssue: _settled, ...rest } = input;
  result.next = decideLease({
    ...rest,
    ...(result.pendingIssue ? { pendingIssue: result.pendingIssue } : {}),
    now: ctx.now(),
    ledger,
    ...(result.issued ? { lastGeneration: input.generation, rollout: { state: 'Progressing' as const } } : {}),
  }).next;
  return result;
}

/**
 * The ledger's expiry is what the controller last recorded; Vault may know better (a renewal
 * whose record a crash lost). Before dropping a superseded lease as expired, or replacing the
 * live one as `LeaseExpired`, ask Vault: a lease it still holds keeps its entry with Vault's
 * expiry, and the live one is decided again (usually a renewal) instead of re-issued.
 */
async function confirmExpiry<Data>(
  plan: LeasePlan,
  input: LeaseDecisionInput,
  ctx: LeaseActContext<Data>,
): Promise<{ plan: LeasePlan; ledger: LeaseLedger | undefined }> {
  const lookup = ctx.backend.lookup?.bind(ctx.backend);
  let ledger = input.ledger;
  if (!lookup || !ledger) return { plan, ledger };
  const now = ctx.now().getTime();
  const stillHeld = async (leaseId: string | undefined): Promise<Date | undefined> => {
    if (!leaseId) return undefined;
    try {
      const expiry = await lookup(leaseId);
      return expiry && expiry.getTime() > now ? expiry : undefined;
    } catch {
      // Unknown: behave as without a lookup.
      return undefined;
    }
  };
  const kept: PreviousLease[] = [];
  for (const entry of plan.dropPrevious) {
    if (entry.state === 'Expired') continue;
    const expiry = await stillHeld(entry.leaseId);
    if (expiry) kept.push({ ...entry, expiresAt: expiry.toISOString() });
  }
  if (kept.length > 0) {
    const previous = (ledger.previous ?? []).map((p) => kept.find((k) => sameEntry(k, p)) ?? p);
    ledger = { ...ledger, previous };
    plan = { ...plan, dropPrevious: plan.dropPrevious.filter((d) => !kept.some((k) => sameEntry(k, d))) };
  }
  if (plan.action.kind === 'Issue' && plan.action.reason === 'LeaseExpired') {
    const expiry = await stillHeld(ledger.leaseId);
    if (expiry) {
      ledger = { ...ledger, expiresAt: expiry.toISOString() };
      const again = decideLease({ ...input, ledger });
      plan = { ...plan, action: again.action };
    }
  }
  return { plan, ledger };
}

/** Settles an interrupted issue; answers false when it could not (transient): the run stops there. */
async function recover<Data>(
  recovery: Recovery,
  ctx: LeaseActContext<Data>,
  result: LeaseActResult<Data>,
): Promise<boolean> {
  if (recovery.kind === 'Clear' || !ctx.backend.closeGroup) {
    delete result.pendingIssue;
    result.recovered = { recovery, outcome: recovery.kind === 'Clear' ? 'Cleared' : 'Unreachable' };
    return true;
  }
  try {
    const outcome = await ctx.backend.closeGroup(recovery.pending);
    delete result.pendingIssue;
    result.recovered = { recovery, outcome };
    return true;
  } catch (err) {
    const error = classify(err);
    result.error = error;
    // Revoking again cannot succeed where Vault refused it for good: report and move on.
    if (!isRetryable(error)) {
      delete result.pendingIssue;
      result.recovered = { recovery, outcome: 'Unreachable' };
      return true;
    }
    return false;
  }
}

/** The lease group of this issue, with its intent on record; undefined: issue with the login token. */
async function openGroup<Data>(
  reason: IssueReason,
  ctx: LeaseActContext<Data>,
  result: LeaseActResult<Data>,
): Promise<LeaseGroup | undefined> {
  if (!ctx.backend.openGroup || !ctx.recordIntent) return undefined;
  const group = await ctx.backend.openGroup();
  if (!group) {
    result.unguarded = true;
    return undefined;
  }
  const pending = pendingIssueOf(group, reason, ctx.now());
  // A crash before this patch leaves a child token with nothing issued by it (it dies with the
  // login token); a crash after it leaves an intent the next run settles.
  await ctx.recordIntent(pending);
  result.intentWritten = pending;
  result.pendingIssue = pending;
  return group;
}

async function issue<Data>(
  ledger: LeaseLedger | undefined,
  reason: IssueReason,
  input: LeaseDecisionInput,
  ctx: LeaseActContext<Data>,
  result: LeaseActResult<Data>,
): Promise<LeaseLedger | undefined> {
  let credential: IssuedCredential<Data>;
  let group: LeaseGroup | undefined;
  try {
    group = await openGroup(reason, ctx, result);
    credential = await ctx.backend.issue(group);
  } catch (err) {
    // The intent (if written) stays: Vault may have issued before the answer was lost.
    result.error ??= classify(err);
    return ledger;
  }
  delete result.pendingIssue;
  const now = ctx.now();
  const rotationId = newRotationId(ctx.random);
  const previous = [...(ledger?.previous ?? [])];
  const superseded = ledger ? supersede(ledger, reason, now, input, ctx) : undefined;
  if (superseded) previous.push(superseded);

  const ttlMs = Math.max(0, credential.ttlSeconds) * 1000;
  const expiresAt = credential.expiresAt ?? (ttlMs > 0 ? new Date(now.getTime() + ttlMs) : undefined);
  const next: LeaseLedger = {
    ...(credential.leaseId ? { leaseId: credential.leaseId } : {}),
    ...(credential.serialNumber ? { serialNumber: credential.serialNumber } : {}),
    ...(credential.requestId ? { requestId: credential.requestId } : {}),
    // A certificate's rotation is measured from its notBefore.
    issuedAt: (credential.notBefore ?? now).toISOString(),
    ttlSeconds: Math.max(0, Math.round(credential.ttlSeconds)),
    renewable: credential.renewable,
    ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}),
    ...(credential.tokenAccessor ? { tokenAccessor: credential.tokenAccessor } : {}),
    ...(group ? { issuerAccessor: group.issuerAccessor } : {}),
    ...(group?.expiresAt ? { issuerExpiresAt: group.expiresAt.toISOString() } : {}),
    rotationId,
    previous,
  };
  result.issued = { data: credential.data, reason, rotationId, restartValue: restartValue(now, rotationId) };
  return next;
}

/** The old live credential as a superseded entry awaiting revocation, or undefined if nothing to revoke. */
function supersede<Data>(
  ledger: LeaseLedger,
  reason: IssueReason,
  now: Date,
  input: LeaseDecisionInput,
  ctx: LeaseActContext<Data>,
): PreviousLease | undefined {
  if (ctx.revokeSuperseded === false || !revokeHandle(ledger) || !ledger.issuedAt) return undefined;
  const { previous: _previous, rotationId: _rotationId, ...entry } = ledger;
  const graceMs = (input.graceSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
  return {
    ...entry,
    supersededAt: now.toISOString(),
    reason,
    ...(input.hasTargets
      ? { state: 'AwaitingRollout' as const }
      : { state: 'AwaitingGrace' as const, revokeAfter: new Date(now.getTime() + graceMs).toISOString() }),
  };
}

async function revokeSuperseded<Data>(
  ledger: LeaseLedger | undefined,
  entries: PreviousLease[],
  ctx: LeaseActContext<Data>,
  result: LeaseActResult<Data>,
): Promise<LeaseLedger | undefined> {
  if (!ledger || entries.length === 0) return ledger;
  let previous = [...(ledger.previous ?? [])];
  for (const entry of entries) {
    const ref = revokeRef(entry);
    if (!ref) continue;
    try {
      await ctx.backend.revoke(ref);
    } catch (err) {
      const error = classify(err);
      // Already gone counts as revoked.
      if (!isNotFound(error)) {
        result.error ??= error;
        previous = previous.map((p) => (sameEntry(p, entry) ? { ...p, state: 'Revoking' as const } : p));
        if (isRetryable(error)) break;
        continue;
      }
    }
    previous = previous.filter((p) => !sameEntry(p, entry));
    result.revoked.push(revokeHandle(entry) ?? '');
  }
  return { ...ledger, previous };
}

function dropExpired<Data>(
  ledger: LeaseLedger | undefined,
  plan: LeasePlan,
  result: LeaseActResult<Data>,
): LeaseLedger | undefined {
  if (!ledger || plan.dropPrevious.length === 0) return ledger;
  const previous = (ledger.previous ?? []).filter((p) => !plan.dropPrevious.some((d) => sameEntry(p, d)));
  for (const d of plan.dropPrevious) result.dropped.push(revokeHandle(d) ?? d.supersededAt);
  return { ...ledger, previous };
}

function revokeRef(entry: PreviousLease): RevokeRef | undefined {
  if (entry.leaseId) return { leaseId: entry.leaseId };
  if (entry.serialNumber) return { serialNumber: entry.serialNumber };
  return undefined;
}

function sameEntry(a: PreviousLease, b: PreviousLease): boolean {
  return a.leaseId === b.leaseId && a.serialNumber === b.serialNumber && a.supersededAt === b.supersededAt;
}

/**
 * Unclassified failures are treated as transient: nothing is re-issued or revoked because of
 * them. Their text may quote a value, so the message is core's fixed sentence; the error itself
 * stays the cause, which the controller log shows.
 */
function classify(err: unknown): BackendError {
  if (err instanceof BackendError) return err;
  return new BackendError('Unavailable', 'vault', describeFailure(err).message, { cause: err });
}

function newRotationId(random: Random): string {
  let id = '';
  for (let i = 0; i < 4; i++) {
    id += Math.floor(random.random() * 0x1_0000)
      .toString(16)
      .padStart(4, '0');
  }
  return id;
}
