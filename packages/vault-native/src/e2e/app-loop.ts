// An application that uses the credentials while OpenBao comes and goes: a few workers log in
// to PostgreSQL, round robin, with whatever username/password each Secret holds right now
// (the Secrets are re-read every second). A failed login counts only when the Secret still
// holds that very credential afterwards: then an app reading the Secret was locked out.

import { tryLogin } from './database-fixture.ts';
import type { Harness } from './harness.ts';

export interface WatchedSecret {
  namespace: string;
  name: string;
  /** Failures are counted per group (e.g. `steady` must stay 0; `expiring` may not). */
  group: string;
}

export interface LockedOut {
  secret: string;
  user: string;
  error: string;
  atMs: number;
}

export class AppLoop {
  readonly #h: Harness;
  readonly #secrets: WatchedSecret[];
  readonly #workers: number;
  readonly #pauseMs: number;
  #creds = new Map<string, { user: string; password: string }>();
  #running = false;
  #tasks: Promise<void>[] = [];
  #next = 0;
  logins = 0;
  /** Failed logins with a credential its Secret still held, by group. */
  readonly lockedOut = new Map<string, LockedOut[]>();
  /** Failed logins with a credential already replaced in its Secret (the app would have read the new one). */
  stale = 0;

  constructor(h: Harness, secrets: WatchedSecret[], opts: { workers?: number; pauseMs?: number } = {}) {
    this.#h = h;
    this.#secrets = [...secrets];
    this.#workers = opts.workers ?? 3;
    this.#pauseMs = opts.pauseMs ?? 100;
  }

  /** Adds Secrets to the rotation (e.g. resources created later). */
  watch(more: WatchedSecret[]): void {
    this.#secrets.push(...more);
  }

  async start(): Promise<void> {
    await this.#refresh();
    this.#running = true;
    this.#tasks.push(this.#refreshLoop());
    for (let i = 0; i < this.#workers; i++) this.#tasks.push(this.#worker());
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#tasks);
  }

  failures(group: string): LockedOut[] {
    return this.lockedOut.get(group) ?? [];
  }

  async #refreshLoop(): Promise<void> {
    while (this.#running) {
      await new Promise((r) => setTimeout(r, 1_000));
      await this.#refresh().catch(() => {});
    }
  }

  async #refresh(): Promise<void> {
    const byNamespace = new Map<string, Map<string, { user: string; password: string }>>();
    for (const ns of new Set(this.#secrets.map((s) => s.namespace))) {
      const list = await this.#h.core.listNamespacedSecret({ namespace: ns });
      const m = new Map<string, { user: string; password: string }>();
      for (const s of list.items) {
        const d = s.data ?? {};
        if (!d.username || !d.password) continue;
        m.set(s.metadata?.name ?? '', {
          user: Buffer.from(d.username, 'base64').toString(),
          password: Buffer.from(d.password, 'base64').toString(),
        });
      }
      byNamespace.set(ns, m);
    }
    const creds = new Map<string, { user: string; password: string }>();
    for (const s of this.#secrets) {
      const c = byNamespace.get(s.namespace)?.get(s.name);
      if (c) creds.set(`${s.namespace}/${s.name}`, c);
    }
    this.#creds = creds;
  }

  async #worker(): Promise<void> {
    while (this.#running) {
      const s = this.#secrets[this.#next++ % this.#secrets.length];
      const key = s ? `${s.namespace}/${s.name}` : '';
      const c = this.#creds.get(key);
      if (s && c) {
        this.logins++;
        const result = await tryLogin(c.user, c.password);
        if (result !== 'ok') await this.#failed(s, key, c, result);
      }
      await new Promise((r) => setTimeout(r, this.#pauseMs));
    }
  }

  async #failed(s: WatchedSecret, key: string, used: { user: string }, error: string): Promise<void> {
    const now = await this.#h.secretData(s.namespace, s.name).catch(() => undefined);
    if (now?.username !== used.user) {
      this.stale++;
      return;
    }
    const list = this.lockedOut.get(s.group) ?? [];
    list.push({ secret: key, user: used.user, error, atMs: Date.now() });
    this.lockedOut.set(s.group, list);
  }
}
