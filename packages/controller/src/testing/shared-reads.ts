// The measurement behind "50 ExternalSecrets sharing 5 keys make at most 5 reads per
// refresh", the same for every provider: a crowd of ExternalSecrets in a namespace of their
// own, refreshed twice while the provider's calls are counted from /metrics.

import { type E2e, refreshedTwice } from './e2e-harness.ts';
import { waitFor } from './wait-for.ts';

/** Long enough that reconciling the 50 stays well inside the shared-read window on a loaded machine. */
export const CROWD_REFRESH_INTERVAL = '8s';
const CROWD_REFRESH_MS = 8_000;
const CROWD = 50;
const SHARED_KEYS = 5;

export interface SharedReads {
  /** The namespace of the file's earlier ExternalSecrets: they go, so only the crowd reads. */
  previousNamespace: string;
  /** Creates the store and the 5 shared keys the crowd reads. */
  prepare(crowd: string): Promise<void>;
  /** Creates ExternalSecret `name` in `crowd` reading shared key `key` (0 to 4), every CROWD_REFRESH_INTERVAL. */
  externalSecret(crowd: string, name: string, key: number): Promise<unknown>;
  /** The provider calls counted so far. */
  calls(): Promise<number>;
}

export interface SharedReadsResult {
  /** Provider calls during the measurement. */
  calls: number;
  /** How many refresh periods the measurement spanned (each ExternalSecret refreshed at most this often). */
  periods: number;
  /** Secret writes in the crowd's namespace during the measurement. */
  writes: number;
}

export async function measureSharedReads(e: E2e, scenario: SharedReads): Promise<SharedReadsResult> {
  const crowd = await e.namespace('crowd');
  await e.custom.deleteCollectionNamespacedCustomObject({
    group: 'external.lockstep.dev',
    version: 'v1',
    namespace: scenario.previousNamespace,
    plural: 'externalsecrets',
  });
  await scenario.prepare(crowd);
  for (let i = 0; i < CROWD; i++) await scenario.externalSecret(crowd, `crowd-${i}`, i % SHARED_KEYS);
  await waitFor(`all ${CROWD} Secrets`, async () => {
    const list = await e.core.listNamespacedSecret({ namespace: crowd, labelSelector: 'lockstep.dev/managed=true' });
    return list.items.length === CROWD;
  });
  const callsBefore = await scenario.calls();
  const writesBefore = e.secretWrites(crowd);
  const started = Date.now();
  await refreshedTwice(e, crowd, 'crowd-0');
  await refreshedTwice(e, crowd, `crowd-${CROWD - 1}`);
  return {
    calls: (await scenario.calls()) - callsBefore,
    periods: Math.floor((Date.now() - started) / CROWD_REFRESH_MS) + 1,
    writes: e.secretWrites(crowd) - writesBefore,
  };
}
