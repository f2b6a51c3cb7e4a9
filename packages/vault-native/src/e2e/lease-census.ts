// The crash test's bookkeeping (crash-restart.e2e.test.ts): at each moment the controller is
// dead, what OpenBao holds (root LIST of `sys/leases/lookup/<mount>/creds/<role>/`, one role per
// resource so every lease belongs to one resource) against what the resources' status records
// (the ledger's live and superseded leases, and the intent of an issue under way). A lease that
// neither accounts for is an orphan; a lease an interrupted issue left must be gone once its
// intent was settled. Pure bookkeeping over what the test reads, so the figures are the test's own.

import type { PendingIssue } from '@lockstep/core';

export interface ResourceState {
  name: string;
  /** Lease IDs OpenBao holds for this resource's role. */
  listed: string[];
  live: string | undefined;
  previous: string[];
  pending: PendingIssue | undefined;
  /** Whether the destination Secret exists. */
  secret: boolean;
}

interface Attributed {
  resource: string;
  issuerAccessor: string;
  /** Epoch ms of the lease's own expiry when first seen. */
  expiresAtMs: number;
}

export interface CensusFigures {
  snapshots: number;
  /** Intents found at a kill (an issue interrupted somewhere between its intent and its record). */
  intentsAtKill: number;
  /** Of those, leases Vault had issued that nothing recorded (the crash-between-issue-and-status case). */
  uncommittedLeases: number;
  /** Uncommitted leases that disappeared before their own expiry: revoked by the recovery. */
  revokedByRecovery: number;
  /** Uncommitted leases gone only after their own expiry (the next process was killed before it got there). */
  expiredFirst: number;
  /** Leases no ledger and no intent accounts for, or left alive after their intent was settled. */
  orphans: string[];
  /** For the failure message: each orphan with what its resource recorded at that snapshot. */
  orphanDetails: string[];
  /** (snapshot, resource) pairs holding more live leases than the live one, those awaiting revocation and one interrupted issue. */
  duplicates: number;
  /** (snapshot, resource) pairs whose Secret had existed and was missing. */
  secretsLost: number;
}

export class LeaseCensus {
  readonly #attributed = new Map<string, Attributed>();
  readonly #hadSecret = new Set<string>();
  readonly figures: CensusFigures = {
    snapshots: 0,
    intentsAtKill: 0,
    uncommittedLeases: 0,
    revokedByRecovery: 0,
    expiredFirst: 0,
    orphans: [],
    orphanDetails: [],
    duplicates: 0,
    secretsLost: 0,
  };

  /**
   * One frozen moment. `expiryOf` answers a lease's own expiry (root `sys/leases/lookup`), or
   * undefined when it is gone or already being revoked (expire time passed).
   */
  async record(
    nowMs: number,
    resources: ResourceState[],
    expiryOf: (leaseId: string) => Promise<number | undefined>,
  ): Promise<void> {
    const f = this.figures;
    f.snapshots++;
    const listedNow = new Set(resources.flatMap((r) => r.listed));
    // Interrupted issues seen before: gone now means revoked (before its expiry) or expired.
    for (const [id, a] of this.#attributed) {
      if (listedNow.has(id) && (await expiryOf(id)) !== undefined) continue;
      if (nowMs < a.expiresAtMs) f.revokedByRecovery++;
      else f.expiredFirst++;
      this.#attributed.delete(id);
    }
    for (const r of resources) {
      if (r.secret) this.#hadSecret.add(r.name);
      else if (this.#hadSecret.has(r.name)) f.secretsLost++;
      if (r.pending) f.intentsAtKill++;
      const accounted = new Set([r.live, ...r.previous].filter((id): id is string => Boolean(id)));
      // A record patch sent just before the kill may land after the snapshot: recorded after all.
      for (const id of accounted) this.#attributed.delete(id);
      let unaccounted = r.listed.filter((id) => !accounted.has(id));
      // A lease being revoked right now (expire time already passed) is not alive.
      const alive: string[] = [];
      for (const id of unaccounted) if ((await expiryOf(id)) !== undefined) alive.push(id);
      unaccounted = alive;
      let allowance = r.pending ? 1 : 0;
      for (const id of unaccounted) {
        const seen = this.#attributed.get(id);
        if (seen) {
          // Still held by the same unsettled intent: the next process has not got there yet.
          if (r.pending && seen.issuerAccessor === r.pending.issuerAccessor && allowance > 0) {
            allowance--;
            continue;
          }
          this.#orphan(id, r, `left after intent ${seen.issuerAccessor} was settled`);
          this.#attributed.delete(id);
          continue;
        }
        if (r.pending && allowance > 0) {
          allowance--;
          f.uncommittedLeases++;
          this.#attributed.set(id, {
            resource: r.name,
            issuerAccessor: r.pending.issuerAccessor,
            expiresAtMs: (await expiryOf(id)) ?? nowMs,
          });
          continue;
        }
        this.#orphan(id, r, 'no record and no intent');
      }
      const extra = unaccounted.length - (r.pending ? 1 : 0);
      if (extra > 0) f.duplicates++;
    }
  }

  #orphan(id: string, r: ResourceState, why: string): void {
    if (this.figures.orphans.includes(id)) return;
    this.figures.orphans.push(id);
    this.figures.orphanDetails.push(
      `${id} (${r.name}, snapshot ${this.figures.snapshots}, ${why}): ${JSON.stringify({ live: r.live, previous: r.previous, pending: r.pending, listed: r.listed })}`,
    );
  }

  /** Leases of interrupted issues whose recovery has not been seen yet. */
  unsettled(): string[] {
    return [...this.#attributed.keys()];
  }
}
