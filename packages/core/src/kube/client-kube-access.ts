// KubeAccess over @kubernetes/client-node. Every error leaves this file as a BackendError
// (backend `kubernetes`, through kubeCall) with a message about the object, not about HTTP:
// reconcilers and providers branch on the class only.

import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { BackendError } from '../errors/backend-error.ts';
import { kubeCall } from '../errors/kube-call.ts';
import type { KubeAccess, SecretKeySelector, ServiceAccountTokenRequest } from './kube-access.ts';

export function createKubeAccess(kc: KubeConfig): KubeAccess {
  const core = kc.makeApiClient(CoreV1Api);

  async function readSecret(namespace: string, name: string): Promise<Record<string, Uint8Array>> {
    return (await readSecretWithLabels(namespace, name)).data;
  }

  async function readSecretWithLabels(
    namespace: string,
    name: string,
  ): Promise<{ data: Record<string, Uint8Array>; labels: Record<string, string> }> {
    const secret = await kubeCall({ verb: 'read', kind: 'Secret', name, namespace }, () =>
      core.readNamespacedSecret({ name, namespace }),
    );
    const data: Record<string, Uint8Array> = {};
    for (const [key, value] of Object.entries(secret.data ?? {})) data[key] = Buffer.from(value, 'base64');
    // stringData is write-only on a real API server; a lenient server may still echo it.
    for (const [key, value] of Object.entries(secret.stringData ?? {})) data[key] ??= Buffer.from(value, 'utf8');
    return { data, labels: secret.metadata?.labels ?? {} };
  }

  return {
    readSecret,
    readSecretWithLabels,

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

    async readConfigMapKey(namespace: string, ref: { name: string; key: string }): Promise<Uint8Array> {
      const configMap = await kubeCall({ verb: 'read', kind: 'ConfigMap', name: ref.name, namespace }, () =>
        core.readNamespacedConfigMap({ name: ref.name, namespace }),
      );
      const text = configMap.data?.[ref.key];
      if (text !== undefined) return Buffer.from(text, 'utf8');
      const binary = configMap.binaryData?.[ref.key];
      if (binary !== undefined) return Buffer.from(binary, 'base64');
      throw new BackendError(
        'NotFound',
        'kubernetes',
        `key "${ref.key}" not found in ConfigMap "${ref.name}" in namespace "${namespace}"`,
      );
    },

    async requestServiceAccountToken(req: ServiceAccountTokenRequest): Promise<{ token: string; expiresAt: Date }> {
      const serviceAccount = { kind: 'ServiceAccount', name: req.serviceAccountName, namespace: req.namespace };
      const answer = await kubeCall({ verb: 'request a token for', ...serviceAccount }, () =>
        core.createNamespacedServiceAccountToken({
          name: req.serviceAccountName,
          namespace: req.namespace,
          body: {
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'TokenRequest',
            spec: { audiences: req.audiences, expirationSeconds: req.expirationSeconds },
          },
        }),
      );
      const token = answer.status?.token;
      if (!token) {
        throw new BackendError('Unavailable', 'kubernetes', 'the TokenRequest answer carried no token');
      }
      const expiresAt = answer.status?.expirationTimestamp
        ? new Date(answer.status.expirationTimestamp)
        : new Date(Date.now() + req.expirationSeconds * 1000);
      return { token, expiresAt };
    },
  };
}
