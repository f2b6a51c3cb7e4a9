// Identical reads from many ExternalSecrets within one refresh window become one provider
// call: concurrent callers share the in-flight promise, and a settled answer is reused for
// `windowMs`. Failures are never cached, so a transient error is retried by the next caller.

import type { Clock } from '../clock/clock.ts';
import { rememberSensitiveValues } from '../status/sensitive-values.ts';
import type { FindRef, PushOptions, PushRef, RemoteRef, SecretMap, SecretsClient } from './provider.ts';

interface Entry {
  promise: Promise<unknown>;
  settledAt?: number;
}

export class CoalescingClient implements SecretsClient {
  private readonly inner: SecretsClient;
  private readonly windowMs: number;
  private readonly clock: Pick<Clock, 'now'>;
  private readonly entries = new Map<string, Entry>();
  private lastSweep = 0;

  /** The inner client's, when it has one: a store without it takes no push metadata. */
  readonly checkPushMetadata?: (metadata: unknown) => void;

  constructor(inner: SecretsClient, opts: { windowMs: number; clock: Pick<Clock, 'now'> }) {
    this.inner = inner;
    if (inner.checkPushMetadata) this.checkPushMetadata = (metadata) => inner.checkPushMetadata?.(metadata);
    this.windowMs = opts.windowMs;
    this.clock = opts.clock;
  }

  getSecret(ref: RemoteRef): Promise<Uint8Array> {
    return this.once(`get:${refKey(ref)}`, () => this.inner.getSecret(ref));
  }

  getSecretMap(ref: RemoteRef): Promise<SecretMap> {
    return this.once(`map:${refKey(ref)}`, () => this.inner.getSecretMap(ref));
  }

  getAllSecrets(find: FindRef): Promise<SecretMap> {
    return this.once(`find:${refKey(find)}`, () => this.inner.getAllSecrets(find));
  }

  pushSecret(value: Uint8Array, ref: PushRef, opts?: PushOptions): Promise<void> {
    if (!this.inner.pushSecret) return Promise.reject(new Error('this provider cannot push secrets'));
    this.entries.clear();
    return this.inner.pushSecret(value, ref, opts);
  }

  deleteSecret(ref: PushRef, opts?: PushOptions): Promise<void> {
    if (!this.inner.deleteSecret) return Promise.reject(new Error('this provider cannot delete secrets'));
    this.entries.clear();
    return this.inner.deleteSecret(ref, opts);
  }

  validate(): ReturnType<SecretsClient['validate']> {
    return this.inner.validate();
  }

  close(): Promise<void> {
    this.entries.clear();
    return this.inner.close();
  }

  /**
   * A view that reuses answers at most `maxAgeMs` old, for callers that refresh faster than
   * the window (an ExternalSecret with a 2s refreshInterval must see a change on its next refresh).
   */
  withMaxAge(maxAgeMs: number): SecretsClient {
    if (maxAgeMs >= this.windowMs) return this;
    return {
      getSecret: (ref) => this.once(`get:${refKey(ref)}`, () => this.inner.getSecret(ref), maxAgeMs),
      getSecretMap: (ref) => this.once(`map:${refKey(ref)}`, () => this.inner.getSecretMap(ref), maxAgeMs),
      getAllSecrets: (find) => this.once(`find:${refKey(find)}`, () => this.inner.getAllSecrets(find), maxAgeMs),
      pushSecret: (value, ref, opts) => this.pushSecret(value, ref, opts),
      deleteSecret: (ref, opts) => this.deleteSecret(ref, opts),
      ...(this.checkPushMetadata ? { checkPushMetadata: this.checkPushMetadata } : {}),
      validate: () => this.validate(),
      close: () => this.close(),
    };
  }

  /** Drops cached answers, e.g. when a user asks for an immediate refresh. */
  invalidate(): void {
    this.entries.clear();
  }

  private once<T>(key: string, call: () => Promise<T>, maxAgeMs = this.windowMs): Promise<T> {
    const now = this.clock.now().getTime();
    const hit = this.entries.get(key);
    if (hit && (hit.settledAt === undefined || now - hit.settledAt < maxAgeMs)) return hit.promise as Promise<T>;
    const entry: Entry = { promise: Promise.resolve() };
    entry.promise = call().then(
      (value) => {
        // Every value read is secret material: no later condition or Event may quote it.
        rememberSensitiveValues(value instanceof Uint8Array ? [value] : Object.values(value as SecretMap));
        entry.settledAt = this.clock.now().getTime();
        this.sweep(entry.settledAt);
        return value;
      },
      (err) => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
        throw err;
      },
    );
    this.entries.set(key, entry);
    return entry.promise as Promise<T>;
  }

  /** Drops expired answers; at most twice per window, so a busy client does not rescan on every read. */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.windowMs / 2) return;
    this.lastSweep = now;
    for (const [key, entry] of this.entries) {
      if (entry.settledAt !== undefined && now - entry.settledAt >= this.windowMs) this.entries.delete(key);
    }
  }
}

/** A stable key for a ref: same fields, same key, whatever their order. */
function refKey(ref: object): string {
  return JSON.stringify(ref, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
