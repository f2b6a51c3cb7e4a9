// KubeAccess over @kubernetes/client-node. Every error leaves this file as a BackendError
// (backend `kubernetes`) with a message about the object, not about HTTP: reconcilers and
// providers branch on the class only.

import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { BackendError, classifyHttpStatus, type ErrorClass } from '../errors/backend-error.ts';
import type { KubeAccess, SecretKeySelector, ServiceAccountTokenRequest } from './kube-access.ts';

/** The object a failed call was about; it goes into the error message. */
export interface KubeObjectRef {
  kind: string;
  name?: string;
  namespace?: string;
}

export function createKubeAccess(kc: KubeConfig): KubeAccess {
  const core = kc.makeApiClient(CoreV1Api);

  async function readSecret(namespace: string, name: string): Promise<Record<string, Uint8Array>> {
    try {
      const secret = await core.readNamespacedSecret({ name, namespace });
      const data: Record<string, Uint8Array> = {};
      for (const [key, value] of Object.entries(secret.data ?? {})) data[key] = Buffer.from(value, 'base64');
      // stringData is write-only on a real API server; a lenient server may still echo it.
      for (const [key, value] of Object.entries(secret.stringData ?? {})) data[key] ??= Buffer.from(value, 'utf8');
      return data;
    } catch (err) {
      throw classifyKubeError(err, { kind: 'Secret', name, namespace });
    }
  }

  return {
    readSecret,

    async readSecretKey(namespace: string, ref: SecretKeySelector): Promise<Uint8Array> {
      const data = await readSecret(namespace, ref.name);
      const value = data[ref.key];
      if (value === undefined) {
        throw new BackendError(
          'NotFound',
          'kubernetes',
          `key "${ref.key}" not found in Secret "${ref.name}" in namespace "${namespace}"`,
        );
      }
      return value;
    },

    async requestServiceAccountToken(req: ServiceAccountTokenRequest): Promise<{ token: string; expiresAt: Date }> {
      try {
        const answer = await core.createNamespacedServiceAccountToken({
          name: req.serviceAccountName,
          namespace: req.namespace,
          body: {
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'TokenRequest',
            spec: { audiences: req.audiences, expirationSeconds: req.expirationSeconds },
          },
        });
        const token = answer.status?.token;
        if (!token) {
          throw new BackendError('Unavailable', 'kubernetes', 'the TokenRequest answer carried no token');
        }
        const expiresAt = answer.status?.expirationTimestamp
          ? new Date(answer.status.expirationTimestamp)
          : new Date(Date.now() + req.expirationSeconds * 1000);
        return { token, expiresAt };
      } catch (err) {
        throw classifyKubeError(err, {
          kind: 'ServiceAccount',
          name: req.serviceAccountName,
          namespace: req.namespace,
        });
      }
    },
  };
}

/**
 * Turns whatever client-node threw into a BackendError. HTTP answers are classified by
 * status; transport failures (refused, reset, timed out) are Unavailable; TLS trust
 * failures are InvalidInput because only a corrected CA or URL fixes them.
 */
export function classifyKubeError(err: unknown, about: KubeObjectRef, backend = 'kubernetes'): BackendError {
  if (err instanceof BackendError) return err;
  const what = describe(about);
  if (err instanceof ApiException) {
    const errorClass = classifyHttpStatus(err.code);
    const reason = statusMessage(err.body);
    const message = errorClass === 'NotFound' ? notFoundMessage(about) : messageFor(errorClass, what, err.code, reason);
    return new BackendError(errorClass, backend, message, { cause: err });
  }
  const code = transportCode(err);
  if (code && TLS_CODES.test(code)) {
    return new BackendError(
      'InvalidInput',
      backend,
      `cannot verify the Kubernetes API server's certificate (${code})`,
      {
        cause: err,
      },
    );
  }
  const detail = code ?? (err instanceof Error ? err.message : String(err));
  return new BackendError(
    'Unavailable',
    backend,
    `Kubernetes API server unreachable while reading ${what}: ${detail}`,
    {
      cause: err,
    },
  );
}

function messageFor(errorClass: ErrorClass, what: string, status: number, reason: string | undefined): string {
  const suffix = reason ? `: ${reason}` : '';
  switch (errorClass) {
    case 'NotFound':
      return `${what} not found`;
    case 'Forbidden':
      return status === 401
        ? `the Kubernetes API server refused the credentials while accessing ${what}${suffix}`
        : `access to ${what} is forbidden${suffix}`;
    case 'Throttled':
      return `the Kubernetes API server is throttling requests for ${what}`;
    case 'Unavailable':
      return `the Kubernetes API server failed (HTTP ${status}) on ${what}${suffix}`;
    case 'Conflict':
      return `${what} was changed concurrently${suffix}`;
    case 'InvalidInput':
      return `the Kubernetes API server rejected the request for ${what}${suffix}`;
  }
}

/** Kubernetes' own phrasing, which users recognise: `Secret "x" not found in namespace "y"`. */
function notFoundMessage(ref: KubeObjectRef): string {
  const name = ref.name ? `${ref.kind} "${ref.name}"` : `${ref.kind}s`;
  return ref.namespace ? `${name} not found in namespace "${ref.namespace}"` : `${name} not found`;
}

function describe(ref: KubeObjectRef): string {
  const name = ref.name ? `${ref.kind} "${ref.name}"` : `${ref.kind}s`;
  return ref.namespace ? `${name} in namespace "${ref.namespace}"` : name;
}

/** The `message` of a Kubernetes Status body; client-node hands it over as text. */
function statusMessage(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.length > 0 && body.length < 300 ? body : undefined;
    }
  }
  if (parsed && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string') {
    return parsed.message;
  }
  return undefined;
}

const TLS_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_TLS_CERT)/;

/** undici wraps the socket error: `TypeError: fetch failed` with the errno code in `cause`. */
function transportCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
