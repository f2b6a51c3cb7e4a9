// What a controller says about a reconcile that went wrong: a log line for the operator and,
// for one that ran past its budget, a Ready=False condition for the user. Ordinary failures
// are the reconciler's to record (it knows the reason); these two are the ones no
// reconciler got to write: it is still stuck, or it threw something nobody expected.

import type { KubernetesObject } from '@kubernetes/client-node';
import type { Condition } from '../api/conditions.ts';
import { BackendError } from '../errors/backend-error.ts';
import type { ResourceInformer } from '../informer/informer.ts';
import type { Logger } from '../log/logger.ts';
import { describeUnexpected, isProgrammingError } from '../log/unexpected-error.ts';
import { parseObjectKey } from '../queue/object-key.ts';
import { ReconcileTimeoutError } from '../queue/reconcile-timeout.ts';
import type { ReconcileEvent } from '../queue/work-queue.ts';
import { READY, setCondition } from '../status/conditions.ts';
import type { StatusPatcher } from './status-patcher.ts';

export interface TimeoutCondition {
  status: StatusPatcher;
  now(): Date;
  /** Ready's reason; default `ReconcileTimeout` (ExternalSecret keeps ESO's `SecretSyncedError`). */
  reason?: string;
}

const RECONCILE_TIMEOUT_REASON = 'ReconcileTimeout';

export function reportReconcile(log: Logger, event: ReconcileEvent): void {
  if (event.result === 'success') return;
  const about = { key: event.key, retryInMs: event.nextRunInMs };
  if (event.result === 'timeout') {
    const budgetMs = event.error instanceof ReconcileTimeoutError ? event.error.budgetMs : undefined;
    log.warn({ ...about, budgetMs }, 'reconcile ran past its budget: its slot is freed and the key backs off');
    return;
  }
  if (isProgrammingError(event.error)) {
    log.error({ ...about, error: describeUnexpected(event.error) }, 'reconcile failed unexpectedly; the key backs off');
    return;
  }
  // Classified errors carry messages written for conditions (no secret values); the reconciler records them.
  const err = event.error;
  log.debug(
    {
      ...about,
      error: err instanceof BackendError ? { class: err.errorClass, message: err.message } : describeUnexpected(err),
    },
    'reconcile failed',
  );
}

/** Ready=False with the budget in the message, on the object as the informer last saw it. */
export async function writeTimeoutCondition(
  informer: ResourceInformer<KubernetesObject>,
  event: ReconcileEvent,
  how: TimeoutCondition,
): Promise<void> {
  const { namespace, name } = parseObjectKey(event.key);
  const obj = informer.get(namespace, name) as
    | (KubernetesObject & { status?: { conditions?: Condition[] } })
    | undefined;
  if (!obj || obj.metadata?.deletionTimestamp) return;
  const [group, version] = informer.resource.apiVersion.split('/');
  if (!group || !version) return;
  const conditions = setCondition(
    obj.status?.conditions,
    {
      type: READY,
      status: 'False',
      reason: how.reason ?? RECONCILE_TIMEOUT_REASON,
      message: (event.error as Error).message,
      ...(obj.metadata?.generation !== undefined ? { observedGeneration: obj.metadata.generation } : {}),
    },
    how.now(),
  );
  await how.status.patchStatus(
    { group, version, plural: informer.resource.plural, ...(namespace ? { namespace } : {}), name },
    { conditions },
  );
}
