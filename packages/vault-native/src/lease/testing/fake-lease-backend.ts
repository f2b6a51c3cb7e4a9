// A fake of the lease engine's own boundary (LeaseBackend) that behaves like Vault's lease
// manager: a renewal counts its increment from now and is capped at the lease's max TTL,
// renewing past the max fails, leases expire and revoked leases are gone. Tests only.

import { BackendError, type Clock } from '@lockstep/core';
import type { IssuedCredential, LeaseBackend, RenewedLease, RevokeRef } from '../lease-backend.ts';

export interface FakeLease {
  id: string;
  issuedAtMs: number;
  expiresAtMs: number;
  maxExpiresAtMs: number;
  renewable: boolean;
  revoked: boolean;
  tokenAccessor: string;
}

export interface FakeLeaseBackendOptions {
  clock: Clock;
  ttlSeconds: number;
  /** Vault's max TTL of the lease (default: 10x the TTL). */
  maxTtlSeconds?: number;
  renewable?: boolean;
  tokenAccessor?: string;
}

type Call = 'issue' | 'renew' | 'revoke';

export class FakeLeaseBackend implements LeaseBackend {
  readonly leases = new Map<string, FakeLease>();
  readonly issued: string[] = [];
  readonly renewals: Array<{ leaseId: string; increment: number; granted: number }> = [];
  readonly revoked: string[] = [];
  /** Errors thrown by the next calls of each kind, in order. */
  readonly failNext: Record<Call, BackendError[]> = { issue: [], renew: [], revoke: [] };
  /** Called before a revoke takes effect; throw to fail the test from inside the backend. */
  onRevoke: (leaseId: string) => void = () => {};
  tokenAccessor: string;
  readonly #options: FakeLeaseBackendOptions;
  #counter = 0;

  constructor(options: FakeLeaseBackendOptions) {
    this.#options = options;
    this.tokenAccessor = options.tokenAccessor ?? 'accessor-1';
  }

  get #now(): number {
    return this.#options.clock.now().getTime();
  }

  async issue(): Promise<IssuedCredential> {
    this.#maybeFail('issue');
    const id = `database/creds/app/lease-${++this.#counter}`;
    const ttl = this.#options.ttlSeconds;
    const lease: FakeLease = {
      id,
      issuedAtMs: this.#now,
      expiresAtMs: this.#now + ttl * 1000,
      maxExpiresAtMs: this.#now + (this.#options.maxTtlSeconds ?? ttl * 10) * 1000,
      renewable: this.#options.renewable ?? true,
      revoked: false,
      tokenAccessor: this.tokenAccessor,
    };
    this.leases.set(id, lease);
    this.issued.push(id);
    return {
      data: { username: `user-${this.#counter}`, password: `pw-${this.#counter}` },
      leaseId: id,
      requestId: `req-${this.#counter}`,
      ttlSeconds: ttl,
      renewable: lease.renewable,
      tokenAccessor: this.tokenAccessor,
    };
  }

  async renew(leaseId: string, incrementSeconds: number): Promise<RenewedLease> {
    this.#maybeFail('renew');
    const lease = this.leases.get(leaseId);
    if (!lease || lease.revoked || !this.isValid(leaseId)) {
      throw new BackendError(
        'InvalidInput',
        'vault',
        'Vault rejected POST sys/leases/renew (HTTP 400): lease not found',
      );
    }
    if (!lease.renewable) {
      throw new BackendError(
        'InvalidInput',
        'vault',
        'Vault rejected POST sys/leases/renew (HTTP 400): lease is not renewable',
      );
    }
    const left = Math.floor((lease.maxExpiresAtMs - this.#now) / 1000);
    if (left <= 0) {
      throw new BackendError(
        'InvalidInput',
        'vault',
        'Vault rejected POST sys/leases/renew: past the max TTL, cannot renew',
      );
    }
    const granted = Math.min(incrementSeconds, left);
    lease.expiresAtMs = this.#now + granted * 1000;
    this.renewals.push({ leaseId, increment: incrementSeconds, granted });
    return { ttlSeconds: granted, renewable: true };
  }

  async revoke(ref: RevokeRef): Promise<void> {
    this.#maybeFail('revoke');
    if (!('leaseId' in ref)) throw new BackendError('InvalidInput', 'vault', 'not a lease');
    this.onRevoke(ref.leaseId);
    const lease = this.leases.get(ref.leaseId);
    if (lease) lease.revoked = true;
    this.revoked.push(ref.leaseId);
  }

  /** Whether a credential still works: issued, not revoked, not expired. */
  isValid(leaseId: string): boolean {
    const lease = this.leases.get(leaseId);
    return Boolean(lease && !lease.revoked && this.#now < lease.expiresAtMs);
  }

  #maybeFail(call: Call): void {
    const err = this.failNext[call].shift();
    if (err) throw err;
  }
}
