// The provider interface of the generic pipeline (ESO's SecretsClient shape). `generic`
// implements aws, kubernetes and fake; `vault-native` implements vault and registers it
// through a ProviderRegistry, so neither package imports the other.

import type { KubeAccess } from '../kube/kube-access.ts';

export type DecodingStrategy = 'None' | 'Base64' | 'Base64URL' | 'Auto';
export type ConversionStrategy = 'Default' | 'Unicode';
export type MetadataPolicy = 'None' | 'Fetch';

/** ExternalSecret `data[].remoteRef` / `dataFrom[].extract`. */
export interface RemoteRef {
  key: string;
  property?: string;
  version?: string;
  decodingStrategy?: DecodingStrategy;
  conversionStrategy?: ConversionStrategy;
  metadataPolicy?: MetadataPolicy;
}

/** ExternalSecret `dataFrom[].find`. */
export interface FindRef {
  path?: string;
  name?: { regexp: string };
  tags?: Record<string, string>;
  conversionStrategy?: ConversionStrategy;
  decodingStrategy?: DecodingStrategy;
}

export type SecretMap = Record<string, Uint8Array>;

/** PushSecret `data[].match.remoteRef`. */
export interface PushRef {
  remoteKey: string;
  property?: string;
}

export interface PushOptions {
  /**
   * The pushing resource's status records this remote secret as pushed by it. A store that
   * cannot mark ownership on the secret itself (Vault KV v1) updates or deletes only such a one.
   */
  pushedBefore?: boolean;
  /** The entry's `data[].metadata` (a PushSecretMetadata), checked by `checkPushMetadata` first. */
  metadata?: unknown;
}

/** A live, authenticated client for one store configuration. Reused across reconciles. */
export interface SecretsClient {
  /** One value (the property of a JSON secret when `property` is set). Missing: BackendError NotFound. */
  getSecret(ref: RemoteRef): Promise<Uint8Array>;
  /** A JSON object secret as a map of its top-level keys (non-string values as JSON). */
  getSecretMap(ref: RemoteRef): Promise<SecretMap>;
  /** Every secret matching `find`, keyed by its name (ESO semantics: path separators kept). */
  getAllSecrets(find: FindRef): Promise<SecretMap>;
  /**
   * Pushes one value (PushSecret). Optional: read-only providers omit it. A remote secret that
   * Lockstep did not create is never overwritten: BackendError Conflict.
   */
  pushSecret?(value: Uint8Array, ref: PushRef, opts?: PushOptions): Promise<void>;
  /**
   * Throws a SpecProblem when `data[].metadata` is not what this store takes; called for every
   * entry before anything is pushed. A client without it takes no metadata.
   */
  checkPushMetadata?(metadata: unknown): void;
  /** Removes what a PushSecret pushed; a remote secret Lockstep did not create is left alone. */
  deleteSecret?(ref: PushRef, opts?: PushOptions): Promise<void>;
  /** Checks that the client can reach and read the store; answers a reason for the store's condition. */
  validate(): Promise<{ ok: true } | { ok: false; message: string }>;
  close(): Promise<void>;
}

export interface StoreRef {
  kind: 'SecretStore' | 'ClusterSecretStore';
  name: string;
  /** Namespace of the store for SecretStore; undefined for ClusterSecretStore. */
  namespace?: string;
}

export interface ProviderContext {
  store: StoreRef;
  /** Namespace whose Secrets and ServiceAccounts the client may use: the store's, or the ExternalSecret's for a ClusterSecretStore. */
  namespace: string;
  kube: KubeAccess;
  /** What queued reconciles will read through this client next (given to newClient only). */
  upcoming?: UpcomingReads;
}

/**
 * The remote reads that reconciles already waiting in the work queue will make through one
 * client, in the order they will run: a peek at the queue, so a source with a batch API can
 * fetch them in the same call as a read it must make now. The source stays the only caller of
 * its backend, and a reconcile never reads for another (watch -> queue -> reconcile -> source).
 */
export interface UpcomingReads {
  refs(): Iterable<RemoteRef>;
}

export interface Provider<Spec = unknown> {
  /** The key under `spec.provider` this provider owns: `vault`, `aws`, `kubernetes`, `fake`. */
  readonly name: string;
  readonly capabilities: 'ReadOnly' | 'WriteOnly' | 'ReadWrite';
  /** Static checks of the store spec; each entry says what to fix. Empty means valid. */
  validateSpec(spec: Spec, store: StoreRef): string[];
  /**
   * The cache key for client reuse: equal keys share one client. Must cover everything
   * that changes the client's identity (spec, namespace of referenced credentials).
   */
  clientKey(spec: Spec, ctx: ProviderContext): string;
  newClient(spec: Spec, ctx: ProviderContext): Promise<SecretsClient>;
  /**
   * A warning for the store's InsecureTransport condition when this spec would send
   * credentials in cleartext (e.g. an `http://` Vault address); undefined when it would not.
   */
  insecureTransport?(spec: Spec): string | undefined;
}
