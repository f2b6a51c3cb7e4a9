// Azure errors are classified here, once. Key Vault answers with a RestError carrying the HTTP
// status; @azure/identity throws AuthenticationError (Entra ID refused the login) or
// CredentialUnavailableError (no managed identity endpoint, no token); an unreachable vault
// is a RestError without a status (REQUEST_SEND_ERROR) or a bare Node socket error.

import { BackendError, classifyHttpStatus, type ErrorClass } from '@lockstep/core';

const BACKEND = 'azurekv';
const UNREACHABLE_AUTHORITY = /endpoints_resolution_error|ECONNREFUSED|ENOTFOUND|ETIMEDOUT|network/i;

interface AzureErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  statusCode?: unknown;
  response?: { headers?: { get?(name: string): string | undefined } };
  cause?: unknown;
}

/** `about` names what the call was for: `secret "db" in https://x.vault.azure.net`, `the store's credentials`. */
export function classifyAzureError(err: unknown, about: string): BackendError {
  const own = findBackendError(err);
  if (own) return own;
  const e = (err ?? {}) as AzureErrorShape;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const code = typeof e.code === 'string' ? e.code : undefined;
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const detail = typeof e.message === 'string' ? firstLine(e.message) : '';
  const errorClass = classOf(name, status, detail);
  const retryAfterMs = errorClass === 'Throttled' || status === 503 ? retryAfter(e) : undefined;
  return new BackendError(errorClass, BACKEND, messageFor(errorClass, about, name, code, status, detail), {
    cause: err,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

function classOf(name: string, status: number | undefined, detail: string): ErrorClass {
  // MSAL reports an Entra ID it cannot reach as an unavailable credential; that one is transient.
  if (name === 'CredentialUnavailableError' && UNREACHABLE_AUTHORITY.test(detail)) return 'Unavailable';
  if (name === 'CredentialUnavailableError' || name === 'AggregateAuthenticationError') return 'Forbidden';
  if (name === 'AuthenticationError') {
    // Entra ID itself failing is transient; a refused login (400/401) is the store's to fix.
    return status !== undefined && (status >= 500 || status === 429) ? classifyHttpStatus(status) : 'Forbidden';
  }
  if (status !== undefined && status > 0) return classifyHttpStatus(status);
  // No answer at all: DNS, refused connection, TLS failure or timeout.
  return 'Unavailable';
}

function messageFor(
  errorClass: ErrorClass,
  about: string,
  name: string,
  code: string | undefined,
  status: number | undefined,
  detail: string,
): string {
  const what = code ?? name;
  const reason = detail ? `: ${detail}` : '';
  switch (errorClass) {
    case 'NotFound':
      return `Azure Key Vault: ${about} not found`;
    case 'Forbidden':
      if (name === 'CredentialUnavailableError' || name === 'AggregateAuthenticationError') {
        return `Azure: no credential could be obtained for ${about}${reason}`;
      }
      if (name === 'AuthenticationError') {
        return `Azure Entra ID refused the login for ${about}: check tenantId, the client id and its secret or certificate${reason}`;
      }
      return `Azure Key Vault denied access to ${about} (${what}${status ? ` ${status}` : ''}): grant the identity get/list permission on the vault${reason}`;
    case 'Throttled':
      return `Azure Key Vault is throttling requests for ${about} (${what})`;
    case 'Unavailable':
      if (name === 'CredentialUnavailableError' || name === 'AuthenticationError') {
        return `Azure Entra ID unreachable or failing for ${about} (${what}): check environmentType or customCloudConfig.activeDirectoryEndpoint and the network${reason}`;
      }
      return `Azure Key Vault unreachable or failing for ${about} (${what}): check vaultUrl and the network${reason}`;
    case 'Conflict':
      return `Azure Key Vault: ${about} conflicts with the current state (${what})${reason}`;
    case 'InvalidInput':
      return `Azure Key Vault rejected the request for ${about} (${what}${status ? ` ${status}` : ''})${reason}`;
  }
}

/** Errors we raised ourselves (a missing credentials Secret) may come back wrapped by the SDK. */
function findBackendError(err: unknown): BackendError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof BackendError) return current;
    current = (current as AzureErrorShape).cause;
  }
  return undefined;
}

function retryAfter(e: AzureErrorShape): number | undefined {
  const header = e.response?.headers?.get?.('retry-after');
  if (!header) return undefined;
  // Key Vault sends delay-seconds; an HTTP date is left to the work queue's own backoff.
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** Azure messages can run to several lines of diagnostics; the first says what happened. */
function firstLine(message: string): string {
  const line = message.split('\n', 1)[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
