// What backends may ask of Kubernetes while they build a client or read a secret. The
// controller implements it with @kubernetes/client-node; tests may fake it. Every call is
// scoped to one namespace: a namespaced store or VaultAuth never reads across namespaces.

export interface SecretKeySelector {
  name: string;
  key: string;
  /** Only honoured for cluster-scoped stores; the caller enforces that. */
  namespace?: string;
}

export interface ServiceAccountTokenRequest {
  namespace: string;
  serviceAccountName: string;
  audiences: string[];
  expirationSeconds: number;
}

export interface KubeAccess {
  /** Reads one key of a Secret; throws BackendError NotFound when the Secret or key is missing. */
  readSecretKey(namespace: string, ref: SecretKeySelector): Promise<Uint8Array>;
  /** Reads one key of a ConfigMap (data, else binaryData); throws BackendError NotFound when the ConfigMap or key is missing. */
  readConfigMapKey(namespace: string, ref: { name: string; key: string }): Promise<Uint8Array>;
  /** Reads a whole Secret's data; throws BackendError NotFound when missing. */
  readSecret(namespace: string, name: string): Promise<Record<string, Uint8Array>>;
  /** TokenRequest API: a short-lived token for a service account of the given namespace. */
  requestServiceAccountToken(req: ServiceAccountTokenRequest): Promise<{ token: string; expiresAt: Date }>;
  /** A whole Secret's data and labels in one read (a label that gates its use is checked on the data read with it). */
  readSecretWithLabels(
    namespace: string,
    name: string,
  ): Promise<{ data: Record<string, Uint8Array>; labels: Record<string, string> }>;
}
