// What the peers themselves counted, for any controller under test: API requests from the audit
// log, OpenBao's route counters and moto's access log. A phase's figures are a difference of two
// snapshots, so Lockstep and ESO are measured by the same counters.

import type { OpenBaoApi } from '@lockstep/sandbox';
import type { ControllerChild } from './controller-child.ts';
import { motoRequestCount } from './moto-requests.ts';
import { openBaoRouteCounts } from './openbao-metrics.ts';
import { delta, type Sample } from './prometheus-text.ts';
import { type RequestCounter, trafficBetween } from './request-counter.ts';

export interface ServerCounts {
  api: Record<string, number>;
  bao: Record<string, number>;
  moto: number;
}

export interface CountedPeers {
  requests: RequestCounter;
  bao: OpenBaoApi;
  /** moto's access log. */
  motoLogFile: string;
}

export async function serverCounts(peers: CountedPeers): Promise<ServerCounts> {
  const api = peers.requests.snapshot();
  const [bao, moto] = await Promise.all([openBaoRouteCounts(peers.bao), motoRequestCount(peers.motoLogFile)]);
  return { api, bao, moto };
}

/** The peers' counts, with the controller's own /metrics and CPU time, at one moment. */
export interface Snapshot extends ServerCounts {
  at: number;
  metrics: Sample[];
  cpuSeconds: number;
}

export async function snapshot(peers: CountedPeers, controller: ControllerChild): Promise<Snapshot> {
  const at = performance.now();
  const [metrics, counts] = await Promise.all([controller.scrape(), serverCounts(peers)]);
  return { at, metrics, ...counts, cpuSeconds: controller.stats().cpuSeconds };
}

export function serverDelta(a: ServerCounts, b: ServerCounts) {
  const baoDelta = delta(b.bao, a.bao);
  return {
    /** OpenBao's own count of reads on the kv mount (the vault store's reads, whoever reports them). */
    openBaoKvReads: baoDelta['read kv'] ?? 0,
    openBaoRequests: baoDelta,
    /** moto's own count of AWS calls (its access log). */
    motoRequests: b.moto - a.moto,
    api: trafficBetween(a.api, b.api),
  };
}
