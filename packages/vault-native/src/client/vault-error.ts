// Every Vault answer and transport failure becomes a BackendError here, once. Reconcilers
// branch on `errorClass`, never on HTTP statuses or Vault's message text. Messages name the
// operation and the path (never a request or response body's values).

import { BackendError, type ErrorClass } from '@lockstep/core';

/** What a failed call was about; goes into the message. */
export interface VaultCallInfo {
  method: string;
  /** Logical path, e.g. `kv/data/app/db`. */
  path: string;
  /** Server address, for messages about reachability. */
  address: string;
}

/**
 * KV v2 answers 404 WITH a metadata body when the requested version was deleted or destroyed,
 * and 404 with an empty error list when the path never existed. Callers that care (the
 * `vault` provider, VaultStaticSecret) tell them apart with `instanceof`; everyone else sees
 * an ordinary NotFound.
 */
export class VaultVersionGoneError extends BackendError {
  readonly version: number | undefined;
  readonly destroyed: boolean;
  readonly deletionTime: string | undefined;

  constructor(message: string, info: { version?: number; destroyed: boolean; deletionTime?: string }) {
    super('NotFound', 'vault', message);
    this.name = 'VaultVersionGoneError';
    this.version = info.version;
    this.destroyed = info.destroyed;
    this.deletionTime = info.deletionTime;
  }
}

const MAX_DETAIL = 300;

/** Vault's `errors` array as one line, bounded so a chatty plugin cannot flood a condition. */
export function vaultErrorDetail(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const errors = (body as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return undefined;
  const text = errors
    .filter((e): e is string => typeof e === 'string')
    .map((e) =>
      e
        .replace(/\s+/g, ' ')
        .replace(/^\d+ errors? occurred: \* /, '')
        .trim(),
    )
    .filter((e) => e.length > 0)
    .join('; ');
  if (text.length === 0) return undefined;
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}…` : text;
}

/** The KV v2 metadata carried by a 404 for a deleted or destroyed version, if any. */
function goneVersion(body: unknown): { version?: number; destroyed: boolean; deletionTime?: string } | undefined {
  const data = (body as { data?: { metadata?: unknown } } | undefined)?.data;
  const metadata = data?.metadata as
    | { version?: unknown; destroyed?: unknown; deletion_time?: unknown }
    | null
    | undefined;
  if (!metadata || typeof metadata !== 'object') return undefined;
  const deletionTime = typeof metadata.deletion_time === 'string' ? metadata.deletion_time : '';
  const destroyed = metadata.destroyed === true;
  if (!destroyed && deletionTime === '') return undefined;
  return {
    ...(typeof metadata.version === 'number' ? { version: metadata.version } : {}),
    destroyed,
    ...(deletionTime ? { deletionTime } : {}),
  };
}

/** Classifies a non-2xx answer from Vault. */
export function classifyVaultResponse(status: number, body: unknown, call: VaultCallInfo): BackendError {
  const detail = vaultErrorDetail(body);
  const suffix = detail ? `: ${detail}` : '';
  const what = `${call.method} ${call.path}`;
  if (status === 404) {
    const gone = goneVersion(body);
    if (gone) {
      const v = gone.version === undefined ? 'the requested version' : `version ${gone.version}`;
      const how = gone.destroyed ? 'destroyed' : `deleted at ${gone.deletionTime}`;
      return new VaultVersionGoneError(`${v} of secret "${call.path}" was ${how}`, gone);
    }
    return new BackendError('NotFound', 'vault', `nothing found at "${call.path}" in Vault${suffix}`);
  }
  const errorClass = classifyVaultStatus(status, detail);
  switch (errorClass) {
    case 'Forbidden':
      return new BackendError(
        'Forbidden',
        'vault',
        `Vault denied ${what}${suffix} (check that the token's policies allow this path and that it has not expired)`,
      );
    case 'Throttled':
      return new BackendError('Throttled', 'vault', `Vault at ${call.address} is rate limiting requests (${what})`);
    case 'Unavailable':
      if (detail && /sealed/i.test(detail)) {
        return new BackendError('Unavailable', 'vault', `Vault at ${call.address} is sealed (${what})`);
      }
      if (status === 307 || status === 308) {
        return new BackendError(
          'Unavailable',
          'vault',
          `Vault at ${call.address} is a standby node and redirected ${what} to the active one (HTTP ${status}); retrying until it is active`,
        );
      }
      return new BackendError(
        'Unavailable',
        'vault',
        `Vault at ${call.address} failed ${what} (HTTP ${status})${suffix}`,
      );
    case 'Conflict':
      return new BackendError('Conflict', 'vault', `Vault refused ${what} because it changed concurrently${suffix}`);
    default:
      return new BackendError('InvalidInput', 'vault', `Vault rejected ${what} (HTTP ${status})${suffix}`);
  }
}

/**
 * Vault's statuses mapped to Lockstep's classes. Deviations from the generic HTTP mapping:
 * 412 means a performance standby has not caught up yet (transient: Unavailable), a KV
 * check-and-set mismatch arrives as 400 but is a concurrent change (Conflict), and "cannot
 * write to readonly storage" arrives as 405 for a moment while a restarted or unsealed
 * OpenBao becomes active (transient: Unavailable; a lease renewal refused so was otherwise
 * taken for a permanent refusal and the lease re-issued for nothing). A 307/308 comes from a
 * node that is standby: during the seconds an unsealed or restarted OpenBao takes to become
 * active, or from a standby of an HA cluster that does not forward. It is transient; the
 * redirect is not followed, so the token is never sent to an address the VaultConnection
 * does not name.
 */
export function classifyVaultStatus(status: number, detail?: string): ErrorClass {
  if (status === 404) return 'NotFound';
  if (status === 307 || status === 308) return 'Unavailable';
  if (status === 401 || status === 403) return 'Forbidden';
  if (status === 409) return 'Conflict';
  if (status === 412) return 'Unavailable';
  if (status === 429) return 'Throttled';
  if (status >= 500) return 'Unavailable';
  if (status === 400 && detail && /check-and-set parameter did not match/i.test(detail)) return 'Conflict';
  if (status >= 400 && status < 500 && detail && /cannot write to read-?only storage/i.test(detail))
    return 'Unavailable';
  return 'InvalidInput';
}

const TLS_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_TLS_CERT|ERR_SSL_|HOSTNAME_MISMATCH)/;

/** The errno-style code of a transport failure, looking through wrapped causes. */
export function transportCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * A request that never got an HTTP answer. Refused, reset and timed-out connections are
 * Unavailable (retry later); a certificate Vault's CA does not vouch for is InvalidInput,
 * because only a corrected `caBundle`/`tlsServerName` fixes it.
 */
export function classifyTransportError(err: unknown, call: VaultCallInfo): BackendError {
  if (err instanceof BackendError) return err;
  const code = transportCode(err);
  if (code && TLS_CODES.test(code)) {
    return new BackendError(
      'InvalidInput',
      'vault',
      `cannot verify the TLS certificate of Vault at ${call.address} (${code}): check the CA bundle and TLS server name`,
      { cause: err },
    );
  }
  if (code === 'ABORT_ERR') {
    // Our own signal, not Vault: the reconcile ran past its budget or the controller is stopping.
    return new BackendError(
      'Unavailable',
      'vault',
      `Vault at ${call.address} did not answer in time: the call was cancelled when the reconcile ran past its budget (--reconcile-timeout) or the controller stopped`,
      { cause: err },
    );
  }
  const detail = code ?? (err instanceof Error ? err.message : String(err));
  return new BackendError('Unavailable', 'vault', `Vault at ${call.address} is unreachable (${detail})`, {
    cause: err,
  });
}
