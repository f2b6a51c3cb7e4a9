// What the ExternalSecrets waiting in the work queue will read, per provider client: a peek
// at the queue (nothing is dequeued, nothing is read here). The store resolver hands each
// client its view, so a source with a batch API (aws) can fetch the keys of queued
// ExternalSecrets in the same call as a read it must make now. A client sees only the reads
// that would go through itself (same client key: same store, same credentials), never another
// tenant's.

import { parseObjectKey, type RemoteRef, type UpcomingReads } from '@lockstep/core';
import type { ExternalSecret } from '../api/external-secret.ts';
import type { ObjectCache } from './store-resolver.ts';

export interface UpcomingReadsDeps {
  /** The ExternalSecret keys waiting in the work queue, in the order they will start. */
  queued(): Iterable<string>;
  externalSecrets: ObjectCache<ExternalSecret>;
  /** The client key a read of `ref` from `namespace` goes through (StoreResolver.clientKeyOf). */
  clientKeyOf(namespace: string, ref: { name: string; kind?: string }): string | undefined;
  /** How many queued keys one peek looks at, at most: bounds its cost when few use this client. */
  scanLimit?: number;
}

const DEFAULT_SCAN_LIMIT = 1_000;

/** The view of the queue for the client of `clientKey`. */
export function upcomingReadsFor(deps: UpcomingReadsDeps, clientKey: string): UpcomingReads {
  const limit = deps.scanLimit ?? DEFAULT_SCAN_LIMIT;
  return {
    *refs(): Iterable<RemoteRef> {
      let scanned = 0;
      for (const key of deps.queued()) {
        if (++scanned > limit) return;
        const { namespace = '', name } = parseObjectKey(key);
        const es = deps.externalSecrets.get(namespace, name);
        if (!es || es.metadata?.deletionTimestamp) continue;
        const storeRef = es.spec.secretStoreRef;
        const through = (ref: { name: string; kind?: string } | undefined) =>
          ref !== undefined && deps.clientKeyOf(namespace, ref) === clientKey;
        for (const entry of es.spec.data ?? []) {
          if (entry.sourceRef?.generatorRef) continue;
          if (through(entry.sourceRef?.storeRef ?? storeRef)) yield entry.remoteRef;
        }
        for (const entry of es.spec.dataFrom ?? []) {
          if (entry.extract && !entry.sourceRef?.generatorRef && through(entry.sourceRef?.storeRef ?? storeRef)) {
            yield entry.extract;
          }
        }
      }
    },
  };
}
