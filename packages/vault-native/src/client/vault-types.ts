// Shapes of Vault's HTTP API as the rest of Lockstep sees them (camelCase, typed), and the
// token handle: the client holds no identity, every call names the token it acts with.

/** Where a call gets its token. A TokenManager hands out handles that always yield the live token. */
export interface TokenHandle {
  token(): string;
}

export type TokenLike = TokenHandle | string;

export function tokenValue(token: TokenLike | undefined): string | undefined {
  if (token === undefined) return undefined;
  return typeof token === 'string' ? token : token.token();
}

/** The `auth` block of a login or token renewal. */
export interface VaultAuthInfo {
  clientToken: string;
  accessor: string;
  policies: string[];
  /** Seconds; 0 means the token never expires (a root token). */
  leaseDuration: number;
  renewable: boolean;
  orphan: boolean;
  tokenType: string;
  entityId: string;
}

/** A successful answer: Vault's envelope with `data` typed by the caller. */
export interface VaultResponse<T> {
  status: number;
  requestId: string | undefined;
  data: T | undefined;
  leaseId: string;
  /** Seconds. */
  leaseDuration: number;
  renewable: boolean;
  auth: VaultAuthInfo | undefined;
  warnings: string[];
}

/** `auth/token/lookup-self` data (the fields Lockstep uses). */
export interface TokenLookup {
  accessor: string;
  /** Remaining seconds; 0 for a token that never expires. */
  ttl: number;
  creationTtl: number;
  explicitMaxTtl: number;
  expireTime: string | undefined;
  renewable: boolean;
  policies: string[];
  path: string;
  orphan: boolean;
  type: string;
}

/** The answer of `sys/leases/renew`. */
export interface LeaseRenewal {
  leaseId: string;
  /** Seconds granted from now; shorter than asked when a max TTL caps it. */
  leaseDuration: number;
  renewable: boolean;
  warnings: string[];
}

/** `sys/health`: answered with non-2xx statuses for sealed/standby nodes, returned here as data. */
export interface VaultHealth {
  initialized: boolean;
  sealed: boolean;
  standby: boolean;
  version: string;
  clusterName: string | undefined;
}
