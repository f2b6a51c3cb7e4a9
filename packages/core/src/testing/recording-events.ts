// An EventRecorder that keeps every event in order, unfiltered (the real recorder drops
// repeats within a minute; tests want to see each call).

import type { EventRecorder, InvolvedObject } from '../runtime/event-recorder.ts';

export interface RecordedEvent {
  type: 'Normal' | 'Warning';
  object: InvolvedObject;
  reason: string;
  message: string;
}

export class RecordingEvents implements EventRecorder {
  readonly events: RecordedEvent[] = [];

  normal(object: InvolvedObject, reason: string, message: string): void {
    this.events.push({ type: 'Normal', object: { ...object }, reason, message });
  }

  warning(object: InvolvedObject, reason: string, message: string): void {
    this.events.push({ type: 'Warning', object: { ...object }, reason, message });
  }

  reasons(type?: 'Normal' | 'Warning'): string[] {
    return this.events.filter((e) => !type || e.type === type).map((e) => e.reason);
  }
}
