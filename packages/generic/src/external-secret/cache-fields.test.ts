// The informer caches drop managedFields and kubectl's last-applied annotation (core's
// slimObject). These cases run the ExternalSecret reconciler twice over the same story, once
// with cached objects carrying both (filled with values that would change a decision if they
// were read: another manager, another spec) and once slimmed, and require the same outcome:
// Secret writes, status patches, Events and requeues. A reconciler that starts reading a
// dropped field makes them differ.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { LAST_APPLIED_ANNOTATION, slimObject } from '@lockstep/core';
import { ExternalSecretWorld, externalSecret, NAMESPACE } from './testing/external-secret-world.ts';

type Mode = 'whole' | 'slim';

/** What the API server adds and the caches drop, with contents that contradict the object. */
function withBookkeeping<T extends KubernetesObject>(obj: T): T {
  const copy = structuredClone(obj);
  copy.metadata = {
    ...copy.metadata,
    managedFields: [
      { manager: 'someone-else', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } },
    ],
    annotations: {
      ...copy.metadata?.annotations,
      [LAST_APPLIED_ANNOTATION]: JSON.stringify({ spec: { refreshInterval: '0', data: [] }, data: {} }),
    },
  };
  return copy;
}

/** The world's caches as the informers would hold them in `mode`. */
function dress(w: ExternalSecretWorld, mode: Mode, name: string): void {
  const shape = <T extends KubernetesObject>(obj: T) =>
    mode === 'whole' ? withBookkeeping(obj) : slimObject(withBookkeeping(obj));
  const es = w.externalSecretCache.get(NAMESPACE, name);
  if (es) w.externalSecretCache.set(shape(es));
  const secret = w.secretCache.get(NAMESPACE, name);
  if (secret) w.secretCache.set(shape({ ...secret, kind: 'Secret' }));
}

/** Everything a user could see of the story, managedFields aside (the API server keeps its own). */
async function story(mode: Mode, steps: (w: ExternalSecretWorld, run: () => Promise<unknown>) => Promise<void>) {
  const w = new ExternalSecretWorld();
  w.backend.set('db-password', 'hunter2-v1');
  w.apply(externalSecret('db', { data: [{ secretKey: 'password', remoteRef: { key: 'db-password' } }] }));
  const requeues: unknown[] = [];
  const run = async () => {
    dress(w, mode, 'db');
    const result = await w.reconcile('db');
    requeues.push(result);
    return result;
  };
  await steps(w, run);
  const withoutManagedFields = (body: unknown) =>
    JSON.parse(JSON.stringify(body, (k, v) => (k === 'managedFields' ? undefined : v)));
  return {
    writes: w.secretApi.writes.map(withoutManagedFields),
    statusPatches: w.status.statusPatches.map(withoutManagedFields),
    events: w.events.events,
    requeues,
    reads: w.backend.reads,
  };
}

describe('the ExternalSecret reconciler reads nothing the informer caches drop', () => {
  const cases: Record<string, (w: ExternalSecretWorld, run: () => Promise<unknown>) => Promise<void>> = {
    'first sync, then a refresh that finds the same value': async (w, run) => {
      await run();
      w.clock.advance(2 * 3_600_000);
      await run();
    },
    'a remote change reaches the Secret at the next refresh': async (w, run) => {
      await run();
      w.backend.set('db-password', 'hunter2-v2');
      w.clock.advance(2 * 3_600_000);
      await run();
    },
    'a Secret edited by hand is put back': async (w, run) => {
      await run();
      const edited = w.secretApi.peek(NAMESPACE, 'db');
      assert.ok(edited?.data);
      edited.data.password = Buffer.from('changed-by-hand').toString('base64');
      w.secretApi.put(edited);
      w.catchUp();
      await run();
    },
    'a spec change syncs again': async (w, run) => {
      await run();
      w.backend.set('other-password', 'other-v1');
      w.apply(externalSecret('db', { data: [{ secretKey: 'password', remoteRef: { key: 'other-password' } }] }));
      await run();
    },
  };
  for (const [name, steps] of Object.entries(cases)) {
    test(name, async () => {
      const whole = await story('whole', steps);
      const slim = await story('slim', steps);
      assert.ok(whole.writes.length > 0, 'the story writes a Secret');
      assert.deepEqual(slim, whole);
    });
  }
});
