// What a controller says about a reconcile that went wrong: a log line for the operator and,
// for one that ran past its budget, a Ready=False condition for the user. Ordinary failures
// are the reconciler's to record (it knows the reason); these two are the ones no
// reconciler got to write: it is still stuck, or it threw something nobody expected.

import type { KubernetesObject } from '@kubernetes/client-node';
import type { Condition } from '../api/conditions.ts';
import { BackendError } from '../errors/backend-error.ts';
import { describeFailure, UNEXPECTED_FAILURE } from '../errors/describe-failure.ts';
import type { ResourceInformer } from '../informer/informer.ts';
import type { Logger } from '../log/logger.ts';
import { describeUnexpected, isProgrammingError } from '../log/unexpected-error.ts';
import { parseObjectKey } from '../queue/object-key.ts';
import { ReconcileTimeoutError } from '../queue/reconcile-timeout.ts';
import type { ReconcileEvent } from '../queue/work-queue.ts';
import { READY, setCondition } from '../status/conditions.ts';
import { scrubMessageHead } from '../status/sensitive-values.ts';
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
  const err = event.error;
  if (isProgrammingError(err)) {
    log.error({ ...about, error: describeUnexpected(err) }, 'reconcile failed unexpectedly; the key backs off');
    return;
  }
  if (describeFailure(err).reason === UNEXPECTED_FAILURE) {
    // Its condition says only "unexpected error": the text is here, through the same scrub as
    // conditions (values this process handled, credential shapes), since a library may quote them.
    log.warn({ ...about, error: unexpectedWithMessage(err) }, 'reconcile failed with an unclassified error');
    return;
  }
  // Classified errors carry messages written for conditions (no secret values); the reconciler records them.
  log.debug({ ...about, error: classified(err) }, 'reconcile failed');
}

/** Logged text of an error is bounded, as a condition's is. */
const LOGGED_MESSAGE_CHARS = 2048;

function unexpectedWithMessage(err: unknown) {
  const message = err instanceof Error ? scrubMessageHead(err.message, LOGGED_MESSAGE_CHARS) : undefined;
  return { ...describeUnexpected(err), ...(message ? { message } : {}) };
}

/** A classified error, and the type, code and stack frames of an unclassified cause (its text may quote a value). */
function classified(err: unknown) {
  if (!(err instanceof BackendError)) return describeUnexpected(err);
  const cause = err.cause;
  const wraps = cause !== undefined && describeFailure(cause).reason === UNEXPECTED_FAILURE;
  return { class: err.errorClass, message: err.message, ...(wraps ? { cause: describeUnexpected(cause) } : {}) };
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
