// lockstep_leases_active and lockstep_lease_earliest_expiry_seconds, read at scrape time from
// the lease ledger the engine keeps in each VaultDynamicSecret's status: that status is the
// source of truth a new leader resumes from, so the gauges agree with it by construction. A
// standby's informers are not started, so it reports no leases.

import type { LeaseSource, LockstepMetrics } from '@lockstep/core';

/** Updates the lease gauges from `sources`; call before each /metrics render. */
export function refreshLeaseGauges(metrics: LockstepMetrics, sources: LeaseSource[]): void {
  for (const source of sources) {
    const held = source.list().filter((o) => o.status?.secretLease?.id);
    metrics.leasesActive.record(held.length, { kind: source.kind });
    const expiries = held.map((o) => Date.parse(o.status?.leaseExpiry ?? '')).filter((t) => Number.isFinite(t));
    metrics.setEarliestLeaseExpiry(expiries.length ? new Date(Math.min(...expiries)) : undefined, source.kind);
  }
}
