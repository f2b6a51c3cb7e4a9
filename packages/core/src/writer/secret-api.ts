// The writes the Secret writer needs, behind a narrow interface so reconcilers can be
// tested with a fake; `clientSecretApi` is the real one over @kubernetes/client-node.

import { ApiException, CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { BackendError, classifyHttpStatus } from '../errors/backend-error.ts';

export interface SecretApi {
  get(namespace: string, name: string): Promise<V1Secret | undefined>;
  create(namespace: string, body: V1Secret): Promise<V1Secret>;
  /** Optimistic: the body's resourceVersion must be current, else BackendError Conflict. */
  replace(namespace: string, name: string, body: V1Secret): Promise<V1Secret>;
  /** `preconditions`: delete only that very Secret (not one recreated under the same name since). */
  delete(namespace: string, name: string, preconditions?: { uid?: string; resourceVersion?: string }): Promise<void>;
}

export function clientSecretApi(kc: KubeConfig): SecretApi {
  const core = kc.makeApiClient(CoreV1Api);
  return {
    get: (namespace, name) =>
      kube(`read Secret "${name}"`, () => core.readNamespacedSecret({ namespace, name })).catch((err) => {
        if (err instanceof BackendError && err.errorClass === 'NotFound') return undefined;
        throw err;
      }),
    create: (namespace, body) =>
      kube(`create Secret "${body.metadata?.name}"`, () => core.createNamespacedSecret({ namespace, body })),
    replace: (namespace, name, body) =>
      kube(`update Secret "${name}"`, () => core.replaceNamespacedSecret({ namespace, name, body })),
    delete: async (namespace, name, preconditions) => {
      await kube(`delete Secret "${name}"`, () =>
        core.deleteNamespacedSecret({ namespace, name, ...(preconditions ? { body: { preconditions } } : {}) }),
      ).catch((err) => {
        if (!(err instanceof BackendError && err.errorClass === 'NotFound')) throw err;
      });
    },
  };
}

async function kube<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ApiException) {
      const status = (err.body && typeof err.body === 'object' ? err.body : tryJson(err.body)) as { message?: string };
      throw new BackendError(
        classifyHttpStatus(err.code),
        'kubernetes',
        `${what}: ${status?.message ?? `HTTP ${err.code}`}`,
        {
          cause: err,
        },
      );
    }
    throw new BackendError('Unavailable', 'kubernetes', `${what}: ${(err as Error).message}`, { cause: err });
  }
}

function tryJson(body: unknown): unknown {
  if (typeof body !== 'string') return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
