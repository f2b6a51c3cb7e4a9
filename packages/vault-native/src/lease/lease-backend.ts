// The narrow interfaces the lease engine acts through. The wiring adapts the real Vault
// client and TokenManager to them, so the engine is tested with fakes at this boundary only.

import type { PendingIssue } from '@lockstep/core';
import type { TokenHandle } from '../client/vault-types.ts';

/** Where a credential came from and how long it lives, as the backend reports it at issue. */
export interface IssuedCredential<Data = Record<string, string>> {
  /** What goes into the Secret. Never logged. */
  data: Data;
  /** Vault lease ID; empty or absent for material without a lease (PKI, static creds). */
  leaseId?: string;
  /** PKI certificate serial: the revocation handle of a certificate. */
  serialNumber?: string;
  requestId?: string;
  /** Seconds granted from now (0: no lease duration, e.g. static creds). */
  ttlSeconds: number;
  renewable: boolean;
  /** When the credential stops working, when the backend says so (a certificate's notAfter). */
  expiresAt?: Date;
  /** When a certificate starts being valid (its notBefore); defaults to the issue time. */
  notBefore?: Date;
  /** Accessor of the login token that created the lease: the lease dies with that token. */
  tokenAccessor?: string;
}

/** The answer of a renewal: Vault counts the increment from now and may grant less (max TTL). */
export interface RenewedLease {
  ttlSeconds: number;
  renewable: boolean;
}

/** What to revoke: a lease by its ID, a certificate by its serial. */
export type RevokeRef = { leaseId: string } | { serialNumber: string };

/**
 * A lease group: a child token of the login token that one issue runs with. Created and named
 * (its accessor recorded as the resource's pending issue) BEFORE the credential is asked for,
 * so a crash between Vault's answer and the status patch leaves a handle: revoking the child
 * token revokes every lease it created. See docs/lease-engine.md, "Crashes".
 */
export interface LeaseGroup {
  issuerAccessor: string;
  /** Accessor of the login token the child was created with (whose cubbyhole keeps the child). */
  parentAccessor: string;
  /** When the child token expires; undefined: never. */
  expiresAt: Date | undefined;
  /** The child token itself. Never logged, never written to Kubernetes. */
  token: TokenHandle;
}

/** What became of the child token of an interrupted issue. */
export type GroupOutcome =
  /** Revoked now, with any lease it created. */
  | 'Revoked'
  /** Already gone (revoked or expired), and its leases with it. */
  | 'Gone'
  /** Not reachable: the login token that holds it is not this controller's any more. */
  | 'Unreachable';

/**
 * The backend calls the engine needs. Failures are thrown as classified `BackendError`s;
 * only Unavailable/Throttled are transient. `revoke` must wait for the revocation to take
 * effect (Vault: `sync: true`), and revoking something already gone must succeed or throw
 * NotFound.
 */
export interface LeaseBackend<Data = Record<string, string>> {
  /** With `group`, the credential is issued with the group's child token. */
  issue(group?: LeaseGroup): Promise<IssuedCredential<Data>>;
  /**
   * Creates the lease group of the next issue. Undefined: not available (the login token's
   * policy does not allow `auth/token/create`): the issue then runs with the login token.
   */
  openGroup?(): Promise<LeaseGroup | undefined>;
  /** Revokes the child token of an interrupted issue, and with it any lease Vault created for it. */
  closeGroup?(pending: PendingIssue): Promise<GroupOutcome>;
  /**
   * When Vault says the lease expires (`sys/leases/lookup`, in Vault's default policy);
   * undefined when Vault no longer holds it. Asked before a lease the ledger believes expired is
   * dropped or replaced: a crash between a renewal and its status record leaves a ledger that
   * says "expired" about a lease Vault renewed.
   */
  lookup?(leaseId: string): Promise<Date | undefined>;
  renew(leaseId: string, incrementSeconds: number): Promise<RenewedLease>;
  revoke(ref: RevokeRef): Promise<void>;
}

/**
 * The lifetime of the login token a lease was created with (looked up by the ledger's
 * `tokenAccessor`). `supersededAt` is set once the TokenManager logged in again and new
 * leases no longer bind to this token (its `onTokenReplaced`): only then does re-issuing
 * move a lease to a token that outlives it.
 */
export interface TokenLifetime {
  accessor: string;
  /** Undefined: the token never expires. */
  expiresAt: Date | undefined;
  supersededAt?: Date;
}
