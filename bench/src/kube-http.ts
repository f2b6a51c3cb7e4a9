// A small HTTPS JSON client for the sandbox's kube-apiserver (bearer token), used by the harness for fixtures
// and watches. It stays lean, so the harness's own work weighs little next to what it measures:
// no client-node object mapping, one keep-alive agent, raw JSON.

import { Agent, request } from 'node:https';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject;
}

export interface WatchHandle {
  stop(): void;
}

export class KubeHttp {
  readonly #url: URL;
  readonly #token: string;
  readonly #agent: Agent;

  constructor(opts: { url: string; caPem: string; token: string; maxSockets?: number }) {
    this.#url = new URL(opts.url);
    this.#token = opts.token;
    this.#agent = new Agent({ ca: opts.caPem, keepAlive: true, maxSockets: opts.maxSockets ?? 16 });
  }

  async create(path: string, body: KubeObject): Promise<KubeObject> {
    return (await this.#call('POST', path, body)) as KubeObject;
  }

  /** Creates, or leaves alone what already exists (fixtures are idempotent). */
  async ensure(path: string, body: KubeObject): Promise<void> {
    try {
      await this.create(path, body);
    } catch (err) {
      if ((err as { status?: number }).status !== 409) throw err;
    }
  }

  async delete(path: string): Promise<void> {
    try {
      await this.#call('DELETE', path);
    } catch (err) {
      if ((err as { status?: number }).status !== 404) throw err;
    }
  }

  async list(path: string): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    const list = (await this.#call('GET', path)) as { items?: KubeObject[]; metadata?: { resourceVersion?: string } };
    return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '0' };
  }

  /**
   * Lists `path`, hands every item to `onEvent` as ADDED, then follows the watch from the
   * list's resourceVersion, reopening it when the server ends the stream.
   */
  async listWatch(path: string, onEvent: (e: WatchEvent) => void): Promise<WatchHandle> {
    const relist = async () => {
      const list = await this.list(path);
      for (const item of list.items) onEvent({ type: 'ADDED', object: item });
      return list.resourceVersion;
    };
    let rv: string | undefined = await relist();
    let stopped = false;
    let current: { destroy(): void } | undefined;
    const open = (): void => {
      if (stopped) return;
      if (rv === undefined) {
        // 410 Gone: resume from a fresh list (consumers treat ADDED as "this is the object now").
        relist().then(
          (fresh) => {
            rv = fresh;
            open();
          },
          () => setTimeout(open, 500),
        );
        return;
      }
      const sep = path.includes('?') ? '&' : '?';
      let reopened = false;
      const reopen = (delayMs: number) => {
        if (reopened || stopped) return;
        reopened = true;
        setTimeout(open, delayMs);
      };
      const req = request(
        this.#target(`${path}${sep}watch=1&allowWatchBookmarks=true&resourceVersion=${rv}`),
        { method: 'GET', agent: this.#agent, headers: this.#headers() },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reopen(500);
            return;
          }
          let pending = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            pending += chunk;
            let nl = pending.indexOf('\n');
            while (nl >= 0) {
              const line = pending.slice(0, nl);
              pending = pending.slice(nl + 1);
              nl = pending.indexOf('\n');
              if (!line.trim()) continue;
              const event = JSON.parse(line) as WatchEvent;
              const next = event.object?.metadata?.resourceVersion;
              if (event.type === 'ERROR') {
                rv = undefined;
                res.destroy();
                return;
              }
              if (next) rv = next;
              if (event.type !== 'BOOKMARK') onEvent(event);
            }
          });
          res.on('end', () => reopen(0));
          res.on('error', () => reopen(100));
          res.on('close', () => reopen(0));
        },
      );
      req.on('error', () => reopen(200));
      req.end();
      current = req;
    };
    open();
    return {
      stop: () => {
        stopped = true;
        current?.destroy();
      },
    };
  }

  close(): void {
    this.#agent.destroy();
  }

  #target(path: string): URL {
    return new URL(path, this.#url);
  }

  #headers(): Record<string, string> {
    return { Authorization: `Bearer ${this.#token}`, Accept: 'application/json' };
  }

  #call(method: string, path: string, body?: unknown): Promise<unknown> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = this.#headers();
      if (payload !== undefined) headers['Content-Type'] = 'application/json';
      const req = request(this.#target(path), { method, agent: this.#agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 400) {
            reject(Object.assign(new Error(`${method} ${path} answered ${status}: ${text.slice(0, 300)}`), { status }));
            return;
          }
          resolve(text ? JSON.parse(text) : {});
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
