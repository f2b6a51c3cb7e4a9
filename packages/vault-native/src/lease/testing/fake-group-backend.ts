// FakeLeaseBackend with lease groups, as Vault's token store behaves: each group is a child
// token; a lease issued with it belongs to it; revoking the child revokes its leases; a group
// already revoked answers Gone. Tests only.

import type { PendingIssue } from '@lockstep/core';
import type { GroupOutcome, IssuedCredential, LeaseGroup } from '../lease-backend.ts';
import { FakeLeaseBackend, type FakeLeaseBackendOptions } from './fake-lease-backend.ts';

export class FakeGroupBackend extends FakeLeaseBackend {
  /** Child tokens by accessor: the leases each created, and whether it was revoked. */
  readonly groups = new Map<string, { leases: string[]; revoked: boolean }>();
  /** Every call in order, to assert what happened before what. */
  readonly calls: string[] = [];
  /** When false, openGroup answers undefined (the policy allows no child token). */
  groupsAllowed = true;
  #groupCounter = 0;
  readonly #groupTtlSeconds: number | undefined;
  readonly #clock: FakeLeaseBackendOptions['clock'];

  constructor(options: FakeLeaseBackendOptions & { groupTtlSeconds?: number }) {
    super(options);
    this.#groupTtlSeconds = options.groupTtlSeconds;
    this.#clock = options.clock;
  }

  async openGroup(): Promise<LeaseGroup | undefined> {
    this.calls.push('openGroup');
    if (!this.groupsAllowed) return undefined;
    const accessor = `child-${++this.#groupCounter}`;
    this.groups.set(accessor, { leases: [], revoked: false });
    const ttl = this.#groupTtlSeconds;
    return {
      issuerAccessor: accessor,
      parentAccessor: this.tokenAccessor,
      expiresAt: ttl === undefined ? undefined : new Date(this.#clock.now().getTime() + ttl * 1000),
      token: { token: () => `token-of-${accessor}` },
    };
  }

  override async issue(group?: LeaseGroup): Promise<IssuedCredential> {
    this.calls.push(group ? `issue:${group.issuerAccessor}` : 'issue');
    const credential = await super.issue();
    if (group && credential.leaseId) this.groups.get(group.issuerAccessor)?.leases.push(credential.leaseId);
    return credential;
  }

  async closeGroup(pending: PendingIssue): Promise<GroupOutcome> {
    this.calls.push(`closeGroup:${pending.issuerAccessor}`);
    const group = this.groups.get(pending.issuerAccessor);
    if (!group || group.revoked) return 'Gone';
    group.revoked = true;
    for (const id of group.leases) {
      const lease = this.leases.get(id);
      if (lease) lease.revoked = true;
    }
    return 'Revoked';
  }

  /** Vault's own expiry of a lease it still holds (sys/leases/lookup). */
  async lookup(leaseId: string): Promise<Date | undefined> {
    this.calls.push(`lookup:${leaseId}`);
    const lease = this.leases.get(leaseId);
    return lease && this.isValid(leaseId) ? new Date(lease.expiresAtMs) : undefined;
  }

  /** Leases that still work. */
  liveLeases(): string[] {
    return this.issued.filter((id) => this.isValid(id));
  }
}
