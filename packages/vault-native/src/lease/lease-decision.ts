// The lease engine's decision: a pure function of the ledger (kept in the resource's status),
// the time and a few spec bits. It says what to do with the live credential (issue, renew or
// wait) and, independently, which superseded credentials may be revoked now. Every action
// carries the reason that goes into events, logs and metric labels.

import type { LeaseLedger, PendingIssue, PreviousLease, RolloutState } from '@lockstep/core';
import { type Recovery, recoveryOf } from './issue-intent.ts';
import type { TokenLifetime } from './lease-backend.ts';
import { nextPkiRotation } from './pki-rotation.ts';
import { defaultStaggerPolicy, type StaggerPolicy, staggeredReissueAt } from './token-stagger.ts';

export type IssueReason =
  /** Nothing issued yet. */
  | 'InitialSync'
  /** The resource's spec changed (generation moved). */
  | 'SpecChanged'
  /** A renewal came back shorter than asked: Vault's max TTL is near. */
  | 'LeaseCapped'
  /** Vault issued the lease as not renewable. */
  | 'NotRenewable'
  /** The lease (or the token it is bound to) expired before the engine could act. */
  | 'LeaseExpired'
  /** The token the lease is bound to was replaced and dies before the lease would. */
  | 'TokenExpiring'
  /** Vault refused the renewal (past the max TTL, lease not found, ...): set by the engine. */
  | 'RenewalRejected'
  /** Material without a lease (static creds, non-leased responses) is due for a re-read. */
  | 'RefreshDue'
  /** A certificate reached `expiration - expiryOffset`. */
  | 'CertificateExpiring'
  /** The destination Secret was deleted or edited: the credential cannot be rewritten from the ledger. */
  | 'TargetDrifted';

/** Whether the destination holds what was last written (`Unknown`: nothing recorded to compare). */
export type DestinationState = 'InSync' | 'Missing' | 'Drifted' | 'Unknown';

export type LeaseAction =
  | { kind: 'Issue'; reason: IssueReason }
  | {
      kind: 'Renew';
      reason: 'LeaseRenewalDue';
      leaseId: string;
      incrementSeconds: number;
      /** When the renewal fell due: how late it runs is the engine's lateness figure. */
      dueAt: Date;
    }
  /** Nothing due now; `until` is when the live credential needs the engine next (undefined: never). */
  | { kind: 'Wait'; until: Date | undefined };

export interface LeasePlan {
  action: LeaseAction;
  /** Superseded credentials whose rollout finished (or grace elapsed), or whose revoke failed before. */
  revokePrevious: PreviousLease[];
  /** Superseded credentials that expired on their own: nothing left to revoke. */
  dropPrevious: PreviousLease[];
  /** The targets do not carry the live rotation yet (e.g. a restart failed): restart them again. */
  restart?: { rotationId: string };
  /** An interrupted issue left its intent: settle it before anything else (see issue-intent.ts). */
  recover?: Recovery;
  /** The earliest time anything is due (the scheduler's wake-up); undefined: nothing pending. */
  next: Date | undefined;
}

/** What the rolled-out workloads report (see core's `RolloutRestarter.state`). */
export interface RolloutView {
  state: RolloutState;
  /**
   * The rotation the targets were last restarted for, when the wiring knows it. A `Complete`
   * rollout of an older rotation does not count: the new credential is not in use yet.
   */
  rotationId?: string;
}

export interface LeaseDecisionInput {
  ledger: LeaseLedger | undefined;
  now: Date;
  /** Percent of the lease duration at which to renew (VSO: default 67, max 90). */
  renewalPercent?: number;
  /** metadata.generation, and the generation the live credential was issued for. */
  generation?: number;
  lastGeneration?: number;
  /** Re-read period for material without a lease (static creds, non-leased responses). */
  refreshAfterSeconds?: number;
  /** PKI: re-issue this long before expiration (default: at 2/3 of the lifetime). */
  expiryOffsetSeconds?: number;
  /**
   * Where this lease sits in the jitter band and the token re-issue window, in [0, 1).
   * Pass `leasePosition(key, seed)` (stable across reconciles) or a draw from `ctx.random()`.
   */
  jitter: number;
  /** Lifetime of the login token named by the ledger's `tokenAccessor`, when known. */
  token?: TokenLifetime;
  /** Whether the resource has rolloutRestartTargets. */
  hasTargets: boolean;
  /** Their rollout state; required to revoke `AwaitingRollout` entries. */
  rollout?: RolloutView;
  /** Wait this long before revoking when there are no targets (or they are missing). */
  graceSeconds?: number;
  /** While a rollout is progressing, look again after this long. */
  rolloutPollSeconds?: number;
  staggerPolicy?: StaggerPolicy;
  /** `status.lockstep.pendingIssue`: an issue that began and was not recorded. */
  pendingIssue?: PendingIssue;
  /** The destination Secret compared with what was last written; absent: not read. */
  destination?: DestinationState;
}

export const DEFAULT_RENEWAL_PERCENT = 67;
/** Jitter never moves a renewal past this fraction of the lease (VSO's maximum renewalPercent). */
export const MAX_RENEWAL_FRACTION = 0.9;
/** Width of the jitter band as a fraction of the lease duration. */
export const JITTER_FRACTION = 0.1;
export const DEFAULT_GRACE_SECONDS = 300;
export const DEFAULT_ROLLOUT_POLL_SECONDS = 10;
/** A renewal or re-issue is never planned sooner than this after the last one (no tight loops). */
const MIN_INTERVAL_MS = 1_000;

export function decideLease(input: LeaseDecisionInput): LeasePlan {
  const now = input.now.getTime();
  const { ledger } = input;
  const previous = decidePrevious(input);
  const restart = restartNeeded(input);
  const live = decideLive(input);
  const recover = recoveryOf(ledger, input.pendingIssue);
  const times = [live.due, ...previous.times];
  if (live.action.kind !== 'Wait' || previous.revoke.length > 0 || previous.drop.length > 0 || recover) times.push(now);
  const next = earliest(times);
  return {
    action: live.action,
    revokePrevious: previous.revoke,
    dropPrevious: previous.drop,
    ...(restart && ledger?.rotationId ? { restart: { rotationId: ledger.rotationId } } : {}),
    ...(recover ? { recover } : {}),
    next: next === undefined ? undefined : new Date(next),
  };
}

interface LiveDecision {
  action: LeaseAction;
  /** When the live credential next needs the engine (ms), when waiting. */
  due: number | undefined;
}

function decideLive(input: LeaseDecisionInput): LiveDecision {
  const own = decideCredential(input);
  // A renewal or a wait would leave the destination deleted or edited: re-issue instead.
  if (own.action.kind !== 'Issue' && (input.destination === 'Missing' || input.destination === 'Drifted')) {
    return { action: { kind: 'Issue', reason: 'TargetDrifted' }, due: undefined };
  }
  return own;
}

function decideCredential(input: LeaseDecisionInput): LiveDecision {
  const { ledger } = input;
  const now = input.now.getTime();
  const issue = (reason: IssueReason): LiveDecision => ({ action: { kind: 'Issue', reason }, due: undefined });
  if (!ledger || !hasCredential(ledger)) return issue('InitialSync');
  if (
    input.generation !== undefined &&
    input.lastGeneration !== undefined &&
    input.generation !== input.lastGeneration
  ) {
    return issue('SpecChanged');
  }

  // The credential's own plan: renew, re-issue, or re-read at its due time.
  const own = ownSchedule(ledger, input);
  // A lease dies with its token (the login token, and the child token it was issued with),
  // whatever its own expiry says.
  const issuerDeath = ledger.leaseId && ledger.issuerExpiresAt ? Date.parse(ledger.issuerExpiresAt) : undefined;
  const death = earliest([own.expiresAt, tokenDeath(ledger, input.token), issuerDeath]);
  if (death !== undefined && now >= death) return issue('LeaseExpired');

  const candidates: Array<{ at: number; action: LeaseAction }> = [];
  if (own.at !== undefined) candidates.push({ at: own.at, action: own.action });
  const tokenAt = tokenReissueAt(ledger, input, own.expiresAt);
  if (tokenAt !== undefined) candidates.push({ at: tokenAt, action: { kind: 'Issue', reason: 'TokenExpiring' } });
  const issuerAt = issuerReissueAt(ledger, input, own.expiresAt, issuerDeath);
  if (issuerAt !== undefined) candidates.push({ at: issuerAt, action: { kind: 'Issue', reason: 'TokenExpiring' } });
  // The first thing due wins; a re-issue beats a renewal due at the same instant.
  candidates.sort((a, b) => a.at - b.at || Number(b.action.kind === 'Issue') - Number(a.action.kind === 'Issue'));
  const first = candidates[0];
  if (!first) return { action: { kind: 'Wait', until: undefined }, due: death };
  if (now >= first.at) return { action: first.action, due: undefined };
  const due = earliest([first.at, death]);
  return { action: { kind: 'Wait', until: new Date(first.at) }, due };
}

interface OwnSchedule {
  /** When the credential's own action is due (ms); undefined: never. */
  at: number | undefined;
  action: LeaseAction;
  /** When the credential stops working on its own (ms); undefined: unknown or never. */
  expiresAt: number | undefined;
}

function ownSchedule(ledger: LeaseLedger, input: LeaseDecisionInput): OwnSchedule {
  const grantedAt = Date.parse(ledger.lastRenewedAt ?? ledger.issuedAt);
  const ttlMs = Math.max(0, ledger.ttlSeconds) * 1000;
  const expiresAt = ledger.expiresAt ? Date.parse(ledger.expiresAt) : ttlMs > 0 ? grantedAt + ttlMs : undefined;
  const fraction = renewalFraction(input.renewalPercent);

  if (ledger.serialNumber && !ledger.leaseId) {
    // A certificate: rotated by its validity period (VSO), not by a lease.
    if (expiresAt === undefined) return { at: undefined, action: wait(), expiresAt };
    const at = nextPkiRotation({
      notBefore: new Date(Date.parse(ledger.issuedAt)),
      notAfter: new Date(expiresAt),
      ...(input.expiryOffsetSeconds !== undefined ? { expiryOffsetSeconds: input.expiryOffsetSeconds } : {}),
    }).getTime();
    return { at, action: { kind: 'Issue', reason: 'CertificateExpiring' }, expiresAt };
  }

  if (!ledger.leaseId) {
    // No lease (static creds, non-leased response): re-read at the refresh period, or at
    // renewalPercent of the duration the backend reported.
    const refreshMs = input.refreshAfterSeconds !== undefined ? input.refreshAfterSeconds * 1000 : undefined;
    const at =
      refreshMs !== undefined && refreshMs > 0
        ? grantedAt + Math.max(MIN_INTERVAL_MS, refreshMs)
        : ttlMs > 0
          ? jitteredDue(grantedAt, ttlMs, fraction, input.jitter)
          : undefined;
    return { at, action: { kind: 'Issue', reason: 'RefreshDue' }, expiresAt };
  }

  const lifeMs = expiresAt === undefined ? ttlMs : Math.max(0, expiresAt - grantedAt);
  const at = jitteredDue(grantedAt, lifeMs, fraction, input.jitter);
  if (!ledger.renewable) {
    // Capped or never renewable: replace it at renewalPercent of what is left, so the new
    // credential is written and the targets restarted before the old one expires. The
    // engine records a capped renewal as renewable=false after a successful renewal.
    const reason: IssueReason = ledger.lastRenewedAt ? 'LeaseCapped' : 'NotRenewable';
    return { at, action: { kind: 'Issue', reason }, expiresAt };
  }
  return {
    at,
    action: {
      kind: 'Renew',
      reason: 'LeaseRenewalDue',
      leaseId: ledger.leaseId,
      incrementSeconds: Math.max(1, ledger.ttlSeconds),
      dueAt: new Date(at),
    },
    expiresAt,
  };
}

/** `from + fraction * life`, plus jitter inside a band that never passes 90% of the life. */
function jitteredDue(fromMs: number, lifeMs: number, fraction: number, jitter: number): number {
  const band = Math.max(0, Math.min(JITTER_FRACTION, MAX_RENEWAL_FRACTION - fraction));
  const j = Math.min(Math.max(0, jitter), 1);
  const offset = Math.floor(lifeMs * (fraction + band * j));
  return fromMs + Math.max(Math.min(MIN_INTERVAL_MS, lifeMs), offset);
}

function renewalFraction(percent: number | undefined): number {
  const p = percent ?? DEFAULT_RENEWAL_PERCENT;
  // 0 would renew at once, and again, and again: keep a floor of 1%.
  return Math.min(MAX_RENEWAL_FRACTION, Math.max(0.01, p / 100));
}

function tokenDeath(ledger: LeaseLedger, token: TokenLifetime | undefined): number | undefined {
  if (!token || !ledger.leaseId || !ledger.tokenAccessor || token.accessor !== ledger.tokenAccessor) return undefined;
  return token.expiresAt?.getTime();
}

/**
 * A lease bound to a token that was replaced dies with it: re-issue it in its staggered slot
 * when the token dies before the lease would on its own (a renewable lease outlives any token).
 */
function tokenReissueAt(
  ledger: LeaseLedger,
  input: LeaseDecisionInput,
  ownExpiry: number | undefined,
): number | undefined {
  const death = tokenDeath(ledger, input.token);
  if (death === undefined || !input.token) return undefined;
  const outlivesToken = ledger.renewable || ownExpiry === undefined || ownExpiry > death;
  if (!outlivesToken) return undefined;
  return staggeredReissueAt(input.token, input.jitter, input.staggerPolicy ?? defaultStaggerPolicy)?.getTime();
}

/**
 * The child token a lease was issued with expires on its own (it is not renewed): when a
 * renewable lease would outlive it, replace the lease at renewalPercent of the child's life.
 * With the token mount's usual TTLs the child outlives the login token and this never fires.
 */
function issuerReissueAt(
  ledger: LeaseLedger,
  input: LeaseDecisionInput,
  ownExpiry: number | undefined,
  issuerDeath: number | undefined,
): number | undefined {
  if (issuerDeath === undefined) return undefined;
  if (!ledger.renewable && ownExpiry !== undefined && ownExpiry <= issuerDeath) return undefined;
  const issuedAt = Date.parse(ledger.issuedAt);
  return jitteredDue(
    issuedAt,
    Math.max(0, issuerDeath - issuedAt),
    renewalFraction(input.renewalPercent),
    input.jitter,
  );
}

interface PreviousDecision {
  revoke: PreviousLease[];
  drop: PreviousLease[];
  times: Array<number | undefined>;
}

function decidePrevious(input: LeaseDecisionInput): PreviousDecision {
  const now = input.now.getTime();
  const graceMs = (input.graceSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
  const pollMs = (input.rolloutPollSeconds ?? DEFAULT_ROLLOUT_POLL_SECONDS) * 1000;
  const out: PreviousDecision = { revoke: [], drop: [], times: [] };
  const liveRotation = input.ledger?.rotationId;
  for (const entry of input.ledger?.previous ?? []) {
    const expiresAt = entry.expiresAt ? Date.parse(entry.expiresAt) : undefined;
    // Expired on its own (or nothing to revoke by): drop it, there is nothing left to revoke.
    if (entry.state === 'Expired' || (expiresAt !== undefined && now >= expiresAt) || !revokeHandle(entry)) {
      out.drop.push(entry);
      continue;
    }
    out.times.push(expiresAt);
    const graceEnd = entry.revokeAfter ? Date.parse(entry.revokeAfter) : Date.parse(entry.supersededAt) + graceMs;
    switch (entry.state) {
      case 'Revoking':
        // A revoke that failed before: retry (the caller's backoff paces it).
        out.revoke.push(entry);
        break;
      case 'AwaitingGrace':
        if (now >= graceEnd) out.revoke.push(entry);
        else out.times.push(graceEnd);
        break;
      case 'AwaitingRollout': {
        const rollout = input.rollout;
        const missing = !input.hasTargets || rollout?.state === 'Missing';
        if (missing) {
          // Nothing to wait for: fall back to the grace period.
          if (now >= graceEnd) out.revoke.push(entry);
          else out.times.push(graceEnd);
          break;
        }
        const ofLiveRotation = rollout?.rotationId === undefined || rollout.rotationId === liveRotation;
        if (rollout?.state === 'Complete' && ofLiveRotation) out.revoke.push(entry);
        else out.times.push(now + pollMs);
        break;
      }
    }
  }
  return out;
}

function restartNeeded(input: LeaseDecisionInput): boolean {
  const { ledger, rollout } = input;
  if (!input.hasTargets || !ledger?.rotationId || rollout?.rotationId === undefined) return false;
  return rollout.rotationId !== ledger.rotationId && rollout.state !== 'Missing';
}

/** Whether the ledger records a live credential at all. */
function hasCredential(ledger: LeaseLedger): boolean {
  return Boolean(ledger.issuedAt);
}

/** The handle a superseded credential is revoked by, if any. */
export function revokeHandle(entry: { leaseId?: string; serialNumber?: string }): string | undefined {
  return entry.leaseId || entry.serialNumber || undefined;
}

function wait(): LeaseAction {
  return { kind: 'Wait', until: undefined };
}

function earliest(times: Array<number | undefined>): number | undefined {
  let best: number | undefined;
  for (const t of times) if (t !== undefined && (best === undefined || t < best)) best = t;
  return best;
}
