// How long the event loop was blocked: the one number that says whether a single object (a
// giant template, a hostile regex, a huge list) stalled the controller for everybody else.
// Node's perf_hooks histogram samples the loop's lateness continuously; once per window its
// maximum goes into a Prometheus histogram and the sampler restarts, so `…_bucket{le="0.1"}`
// against `…_count` tells how many windows saw a stall over 100 ms, and a test can diff two
// scrapes instead of trusting a maximum since start-up.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Meter } from '@opentelemetry/api';

const WINDOW_MS = 1000;
const RESOLUTION_MS = 10;
/** Seconds; 0.1 is the bound the hostile-input test holds the controller to. */
const DELAY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Starts sampling; answers a function that stops it (the timer never keeps the process alive). */
export function recordEventLoopDelay(meter: Meter): () => void {
  const histogram = meter.createHistogram('lockstep_event_loop_delay_seconds', {
    description: `Longest event-loop delay in each ${WINDOW_MS / 1000} s window, in seconds.`,
    unit: 's',
    advice: { explicitBucketBoundaries: DELAY_BUCKETS },
  });
  const sampler = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  sampler.enable();
  const timer = setInterval(() => {
    // perf_hooks reports nanoseconds between its timer's runs, the resolution included.
    histogram.record(Math.max(0, sampler.max / 1e6 - RESOLUTION_MS) / 1000);
    sampler.reset();
  }, WINDOW_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    sampler.disable();
  };
}
