// Follows ExternalSecrets and managed Secrets through watches and remembers, per object,
// when it became Ready, when its refreshTime last moved and when its value last changed.
// A phase ends when every object of interest satisfies its condition; the phase's end time
// is the latest of those moments (not the moment the harness happened to look).

import type { KubeHttp, KubeObject, WatchHandle } from './kube-http.ts';

interface EsState {
  ready: boolean;
  readyAt: number | undefined;
  refreshTime: string | undefined;
  refreshAt: number;
}

interface SecretState {
  value: string | undefined;
  at: number;
}

const key = (o: KubeObject) => `${o.metadata?.namespace}/${o.metadata?.name}`;

export class SyncTracker {
  readonly es = new Map<string, EsState>();
  readonly secrets = new Map<string, SecretState>();
  readonly #watches: WatchHandle[] = [];

  async start(kube: KubeHttp, esPath: string): Promise<void> {
    this.#watches.push(
      await kube.listWatch(esPath, (e) => {
        if (e.type === 'DELETED') {
          this.es.delete(key(e.object));
          return;
        }
        this.#onEs(e.object);
      }),
    );
    this.#watches.push(
      await kube.listWatch('/api/v1/secrets?labelSelector=lockstep.dev%2Fmanaged%3Dtrue', (e) => {
        if (e.type === 'DELETED') {
          this.secrets.delete(key(e.object));
          return;
        }
        this.#onSecret(e.object);
      }),
    );
  }

  stop(): void {
    for (const w of this.#watches.splice(0)) w.stop();
  }

  #onEs(o: KubeObject): void {
    const now = performance.now();
    const status = o.status as
      | { conditions?: Array<{ type?: string; status?: string }>; refreshTime?: string }
      | undefined;
    const ready = status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    const k = key(o);
    const prev = this.es.get(k);
    const refreshTime = status?.refreshTime;
    this.es.set(k, {
      ready,
      readyAt: ready ? (prev?.ready ? prev.readyAt : now) : undefined,
      refreshTime,
      refreshAt: prev && prev.refreshTime === refreshTime ? prev.refreshAt : now,
    });
  }

  #onSecret(o: KubeObject): void {
    const data = o.data as Record<string, string> | undefined;
    const value = data?.value === undefined ? undefined : Buffer.from(data.value, 'base64').toString('utf8');
    const k = key(o);
    const prev = this.secrets.get(k);
    if (prev && prev.value === value) return;
    this.secrets.set(k, { value, at: performance.now() });
  }

  /** refreshTime of every ExternalSecret now (the baseline of a refresh cycle). */
  refreshTimes(): Map<string, string | undefined> {
    return new Map([...this.es].map(([k, s]) => [k, s.refreshTime]));
  }
}
