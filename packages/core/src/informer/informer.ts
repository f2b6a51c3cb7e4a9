import { type KubeConfig, type KubernetesListObject, type KubernetesObject, ListWatch } from '@kubernetes/client-node';
import { type Clock, realClock, type Timer } from '../clock/clock.ts';
import { type Random, systemRandom } from '../clock/random.ts';
import type { Logger } from '../log/logger.ts';
import { type BackoffPolicy, KeyedBackoff } from '../queue/backoff.ts';
import { objectKey } from '../queue/object-key.ts';
import { GuardedWatch } from './guarded-watch.ts';
import { type ListPage, type ListPageQuery, listPageFn } from './list-page.ts';
import { collectionPath, type ResourceRef } from './resource-path.ts';
import { slimObject } from './slim-object.ts';

export interface InformerHandlers<T> {
  add?(obj: T): void;
  update?(obj: T): void;
  delete?(obj: T): void;
}

export interface InformerOptions extends ResourceRef {
  kubeConfig: KubeConfig;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size of the (re)list; the library's own ListWatch lists unpaginated. */
  pageSize?: number;
  /** Delay between restarts after a watch or list error. */
  restartBackoff?: Partial<BackoffPolicy>;
  clock?: Clock;
  random?: Random;
  log?: Logger;
}

const defaultRestartBackoff: BackoffPolicy = { baseMs: 500, capMs: 30_000, jitter: 0.2 };

/**
 * An informer over client-node's ListWatch that keeps itself running. ListWatch already
 * relists after `410 Gone` and reconnects a watch that simply ends, but any other error
 * (connection refused, 500, 403) stops it for good: this wrapper restarts it with
 * jittered backoff, resuming from the last resourceVersion so nothing is missed, and
 * keeps the cache across restarts.
 */
export class ResourceInformer<T extends KubernetesObject = KubernetesObject> {
  readonly resource: ResourceRef;
  readonly #lw: ListWatch<T>;
  readonly #listPage: (q: ListPageQuery) => Promise<ListPage<T>>;
  readonly #options: InformerOptions;
  readonly #clock: Clock;
  readonly #backoff: KeyedBackoff;
  readonly #handlers = new Set<InformerHandlers<T>>();
  readonly #log: Logger | undefined;
  #running = false;
  #listed = false;
  #synced = false;
  #syncWaiters: Array<() => void> = [];
  #restartTimer: Timer | undefined;
  #errorsSinceStart = 0;
  #restarts = 0;
  #lastError: unknown;

  constructor(options: InformerOptions) {
    this.#options = options;
    this.resource = { apiVersion: options.apiVersion, kind: options.kind, plural: options.plural };
    if (options.namespace) this.resource.namespace = options.namespace;
    this.#clock = options.clock ?? realClock;
    this.#backoff = new KeyedBackoff(
      { ...defaultRestartBackoff, ...options.restartBackoff },
      options.random ?? systemRandom,
    );
    this.#log = options.log?.child({ informer: options.kind, namespace: options.namespace ?? '*' });
    this.#listPage = listPageFn<T>(options.kubeConfig, this.resource);
    this.#lw = new ListWatch<T>(
      collectionPath(this.resource),
      // Listed and watched objects enter the cache slimmed (slim-object.ts); handlers see them so.
      new GuardedWatch(options.kubeConfig, (err) => this.#onError(err), slimObject),
      () => this.#list(),
      false,
      options.labelSelector,
      options.fieldSelector,
      { delayFn: (ms) => this.#clock.sleep(ms) },
    );
    this.#lw.on('add', (obj) => this.#dispatch('add', obj));
    this.#lw.on('update', (obj) => this.#dispatch('update', obj));
    this.#lw.on('delete', (obj) => this.#dispatch('delete', obj));
    this.#lw.on('error', (err) => this.#onError(err));
  }

  /**
   * Lists, then watches. Resolves once the first attempt is over, synced or not; use
   * `waitForSync` to wait for the cache. Restarting after `stop` resumes from the last
   * resourceVersion (a relist follows if it has expired).
   */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    await this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#restartTimer?.cancel();
    this.#restartTimer = undefined;
    await this.#lw.stop();
  }

  /** True once the first full list is in the cache; stays true across restarts (for /readyz). */
  hasSynced(): boolean {
    return this.#synced;
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.#synced) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  /** The cached object, never a fresh GET. Cluster-scoped objects take an empty namespace. */
  get(namespace: string | undefined, name: string): T | undefined {
    return this.#lw.get(name, namespace || undefined);
  }

  list(namespace?: string): readonly T[] {
    return this.#lw.list(namespace);
  }

  /** Registers handlers for add, update and delete; returns a function that removes them. */
  on(handlers: InformerHandlers<T>): () => void {
    this.#handlers.add(handlers);
    return () => this.#handlers.delete(handlers);
  }

  /** How many times the informer restarted itself after an error. */
  get restarts(): number {
    return this.#restarts;
  }

  get lastError(): unknown {
    return this.#lastError;
  }

  async #run(): Promise<void> {
    if (!this.#running) return;
    this.#errorsSinceStart = 0;
    try {
      await this.#lw.start();
    } catch (err) {
      this.#onError(err);
    }
    // ListWatch awaits the list and applies it before it opens the watch, so a list that
    // returned means the cache holds it.
    if (this.#listed && !this.#synced) {
      this.#synced = true;
      for (const wake of this.#syncWaiters.splice(0)) wake();
    }
    if (this.#errorsSinceStart === 0) this.#backoff.reset('restart');
  }

  async #list(): Promise<KubernetesListObject<T>> {
    const { apiVersion, kind } = this.resource;
    const limit = this.#options.pageSize ?? 500;
    const items: T[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.#listPage({
        labelSelector: this.#options.labelSelector,
        fieldSelector: this.#options.fieldSelector,
        limit,
        continueToken,
      });
      // List items carry no apiVersion/kind; handlers get them like watched objects.
      for (const item of page.items) items.push(slimObject({ ...item, apiVersion, kind }));
      continueToken = page.continueToken;
      resourceVersion = page.resourceVersion ?? resourceVersion;
    } while (continueToken);
    this.#listed = true;
    return { apiVersion, kind: `${kind}List`, metadata: { resourceVersion }, items };
  }

  #dispatch(event: 'add' | 'update' | 'delete', obj: T): void {
    for (const handlers of this.#handlers) {
      try {
        handlers[event]?.(obj);
      } catch (err) {
        // A broken handler must not stop the informer for everyone else.
        this.#log?.error({ err, event }, 'informer handler failed');
      }
    }
  }

  #onError(err: unknown): void {
    if (!this.#running) return; // stop() aborts the watch, which reports an AbortError
    this.#errorsSinceStart++;
    this.#lastError = err;
    if (this.#restartTimer) return;
    const delayMs = this.#backoff.next('restart');
    this.#log?.warn(
      { err: { message: err instanceof Error ? err.message : String(err) }, delayMs },
      'watch stopped, restarting',
    );
    this.#restartTimer = this.#clock.setTimer(() => {
      this.#restartTimer = undefined;
      this.#restarts++;
      void this.#run();
    }, delayMs);
  }
}

/** Handlers that enqueue each changed object's key (or the keys it maps to). */
export function enqueueHandlers<T extends KubernetesObject>(
  queue: { add(key: string): void },
  keysOf: (obj: T) => Iterable<string> = (obj) => [objectKey(obj)],
): InformerHandlers<T> {
  const enqueue = (obj: T) => {
    for (const key of keysOf(obj)) queue.add(key);
  };
  return { add: enqueue, update: enqueue, delete: enqueue };
}
