// The intent record of an issue (SPEC §2 lease engine, issue 12 "crashes"): a pure account of
// what to do with a `status.lockstep.pendingIssue` left behind. The intent is written before
// Vault is asked for a credential and cleared by the status patch that records the credential,
// so one that is still there means the issue was interrupted (a crash, a lost answer) or its
// record raced the intent's clean-up. Only the first leaves something to revoke.

import type { LeaseLedger, PendingIssue } from '@lockstep/core';
import type { LeaseGroup } from './lease-backend.ts';

export type Recovery =
  /** Nothing recorded the issue: revoke its child token, and any lease it created with it. */
  | { kind: 'RevokeGroup'; pending: PendingIssue }
  /**
   * The ledger records a credential of this very group (the record was written, the intent's
   * removal was not): nothing to revoke, only the intent to drop. Revoking here would kill a
   * live credential.
   */
  | { kind: 'Clear'; pending: PendingIssue };

/** What the pending issue of a resource needs, given its ledger; undefined when there is none. */
export function recoveryOf(ledger: LeaseLedger | undefined, pending: PendingIssue | undefined): Recovery | undefined {
  if (!pending) return undefined;
  const recorded = [ledger, ...(ledger?.previous ?? [])].some(
    (entry) => entry?.issuerAccessor !== undefined && entry.issuerAccessor === pending.issuerAccessor,
  );
  return recorded ? { kind: 'Clear', pending } : { kind: 'RevokeGroup', pending };
}

/** The intent of an issue about to run with `group`. */
export function pendingIssueOf(group: LeaseGroup, reason: string, now: Date): PendingIssue {
  return {
    issuerAccessor: group.issuerAccessor,
    parentAccessor: group.parentAccessor,
    startedAt: now.toISOString(),
    reason,
  };
}
