import type { ServerResponse } from 'node:http';
import type { ServerContext } from './context.ts';
import type { KubeObject } from './kube-object.ts';
import { apiVersionOf, type ResourceType } from './registry.ts';
import { gone, statusBody } from './status-errors.ts';
import type { EventType, StoreEvent } from './store.ts';

export type WatchRequest = {
  rt: ResourceType;
  /** Whether an object belongs to this watch (namespace, name and selectors). */
  matches: (obj: KubeObject) => boolean;
  /** The resourceVersion query parameter, as sent. */
  resourceVersion: string | undefined;
  sendInitialEvents: boolean;
  allowBookmarks: boolean;
  timeoutSeconds: number | undefined;
  /** Turns an object into what goes on the wire (the object itself, or a Table row). */
  encode: (obj: KubeObject) => unknown;
};

/** Keeps track of open watch streams so tests can cut them all at once. */
export class WatchHub {
  private readonly open = new Set<ServerResponse>();
  private readonly ctx: ServerContext;
  bookmarkIntervalMs: number;

  constructor(ctx: ServerContext, bookmarkIntervalMs: number) {
    this.ctx = ctx;
    this.bookmarkIntervalMs = bookmarkIntervalMs;
  }

  get size(): number {
    return this.open.size;
  }

  /**
   * Ends every open watch. Gracefully by default (the stream ends, as when kube-apiserver closes a watch at its
   * timeout or on shutdown: clients resume from their resourceVersion); `reset` cuts the TCP connections instead,
   * which client-node reports as an error that stops a ListWatch.
   */
  dropAll(reset = false): void {
    for (const res of this.open) {
      if (reset) res.socket?.destroy();
      else res.end();
    }
    this.open.clear();
  }

  serve(res: ServerResponse, w: WatchRequest): void {
    const store = this.ctx.store;
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();
    const send = (type: EventType | 'BOOKMARK' | 'ERROR', object: unknown) => {
      // Between end() (timeout, dropAll) and the socket's 'close', store events still arrive.
      if (res.writableEnded || res.destroyed) return;
      res.write(`${JSON.stringify({ type, object })}\n`);
    };
    const rv = w.resourceVersion;
    const rvNumber = rv === undefined || rv === '' ? undefined : Number(rv);
    if (rvNumber !== undefined && !Number.isInteger(rvNumber)) {
      send('ERROR', statusBody(gone(`too old resource version: ${rv} (${store.oldestResumable})`)));
      res.end();
      return;
    }
    let replay: StoreEvent[] = [];
    const initial = rvNumber === undefined || rvNumber === 0 || w.sendInitialEvents;
    if (!initial) {
      const since = store.since(rvNumber ?? 0);
      if (!since) {
        // What kube-apiserver sends when the watch cache no longer holds that revision.
        send('ERROR', statusBody(gone(`too old resource version: ${rv} (${store.oldestResumable})`)));
        res.end();
        return;
      }
      replay = since.filter((e) => e.storageKey === w.rt.storageKey);
    }

    const deliver = (event: StoreEvent) => {
      const isMatch = event.type !== 'DELETED' && w.matches(event.object);
      const wasMatch = event.previous !== undefined && w.matches(event.previous);
      let type: EventType;
      if (event.type === 'DELETED') {
        if (!wasMatch) return;
        type = 'DELETED';
      } else if (isMatch) {
        type = wasMatch ? 'MODIFIED' : 'ADDED';
      } else if (wasMatch) {
        // An object that stops matching the selectors leaves the watch as a deletion.
        type = 'DELETED';
      } else {
        return;
      }
      send(type, w.encode(event.object));
    };

    if (initial) {
      for (const obj of store.list(w.rt.storageKey)) if (w.matches(obj)) send('ADDED', w.encode(obj));
      if (w.sendInitialEvents && w.allowBookmarks) {
        send('BOOKMARK', this.bookmark(w.rt, { 'k8s.io/initial-events-end': 'true' }));
      }
    }
    for (const event of replay) deliver(event);
    const unsubscribe = store.subscribe((event) => {
      if (event.storageKey === w.rt.storageKey) deliver(event);
    });

    const timers: NodeJS.Timeout[] = [];
    if (w.allowBookmarks) {
      const t = setInterval(() => send('BOOKMARK', this.bookmark(w.rt)), this.bookmarkIntervalMs);
      t.unref();
      timers.push(t);
    }
    if (w.timeoutSeconds !== undefined) {
      const t = setTimeout(() => res.end(), w.timeoutSeconds * 1000);
      t.unref();
      timers.push(t);
    }
    this.open.add(res);
    res.on('close', () => {
      unsubscribe();
      for (const t of timers) clearTimeout(t);
      this.open.delete(res);
    });
  }

  private bookmark(rt: ResourceType, annotations?: Record<string, string>): object {
    const metadata: Record<string, unknown> = { resourceVersion: String(this.ctx.store.resourceVersion) };
    if (annotations) metadata.annotations = annotations;
    return { kind: rt.kind, apiVersion: apiVersionOf(rt), metadata };
  }
}
