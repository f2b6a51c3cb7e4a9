// The narrow interfaces the lease engine acts through. The wiring adapts the real Vault
// client and TokenManager to them, so the engine is tested with fakes at this boundary only.

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
 * The backend calls the engine needs. Failures are thrown as classified `BackendError`s;
 * only Unavailable/Throttled are transient. `revoke` must wait for the revocation to take
 * effect (Vault: `sync: true`), and revoking something already gone must succeed or throw
 * NotFound.
 */
export interface LeaseBackend<Data = Record<string, string>> {
  issue(): Promise<IssuedCredential<Data>>;
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
