// Kubernetes Events for `kubectl describe`: why something rotated, failed or was repaired.
// The same (object, reason, message) within a minute is recorded once, so a resource that
// fails on every retry does not flood the API server.

import { CoreV1Api, type CoreV1Event, type KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '../clock/clock.ts';
import { scrubMessageHead } from '../status/sensitive-values.ts';

export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
}

export interface EventRecorder {
  normal(obj: InvolvedObject, reason: string, message: string): void;
  warning(obj: InvolvedObject, reason: string, message: string): void;
}

export interface EventSink {
  create(namespace: string, event: CoreV1Event): Promise<unknown>;
}

export function clientEventSink(kc: KubeConfig): EventSink {
  const core = kc.makeApiClient(CoreV1Api);
  return { create: (namespace, body) => core.createNamespacedEvent({ namespace, body }) };
}

const DEDUP_MS = 60_000;
/** What an Event shows of a message. */
const EVENT_MESSAGE_CHARS = 1024;

export function createEventRecorder(sink: EventSink, clock: Pick<Clock, 'now'>, component = 'lockstep'): EventRecorder {
  const recent = new Map<string, number>();
  const record = (type: 'Normal' | 'Warning', obj: InvolvedObject, reason: string, raw: string) => {
    // Events are read as widely as conditions: the same scrub as setCondition.
    const message = scrubMessageHead(raw, EVENT_MESSAGE_CHARS);
    const now = clock.now();
    const key = `${obj.uid ?? `${obj.namespace}/${obj.name}`}|${reason}|${message}`;
    const last = recent.get(key);
    if (last !== undefined && now.getTime() - last < DEDUP_MS) return;
    recent.set(key, now.getTime());
    if (recent.size > 10_000) {
      for (const [k, t] of recent) if (now.getTime() - t >= DEDUP_MS) recent.delete(k);
    }
    const namespace = obj.namespace || 'default';
    const event: CoreV1Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${obj.name}.`, namespace },
      involvedObject: { ...obj, namespace: obj.namespace },
      reason,
      message: message.slice(0, EVENT_MESSAGE_CHARS),
      type,
      source: { component },
      reportingComponent: component,
      // client-node serializes Dates as RFC 3339.
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    // Events are best effort: a failed event never fails a reconcile.
    sink.create(namespace, event).catch(() => undefined);
  };
  return {
    normal: (obj, reason, message) => record('Normal', obj, reason, message),
    warning: (obj, reason, message) => record('Warning', obj, reason, message),
  };
}
