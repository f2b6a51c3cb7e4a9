// How long the event loop was blocked: the one number that says whether a single object (a
// giant template, a hostile regex, a huge list) stalled the controller for everybody else.
// A timer ticks every RESOLUTION_MS and measures how late each tick ran; once per window the
// longest lateness goes into a Prometheus histogram, so `…_bucket{le="0.1"}` against
// `…_count` tells how many windows saw a stall over 100 ms, and a test can diff two scrapes
// instead of trusting a maximum since start-up.
//
// A loop is also late when the machine does not schedule the process (a busy node, CPU
// throttling). `lockstep_event_loop_blocked_seconds` separates the two: for each late tick it
// takes the lateness the main thread's CPU time *during that same gap* can account for (min
// of the two); per window, the longest of those. A stall caused by our code burns CPU on our
// thread; a starved process does not.
// (Comparing a window's longest delay with the CPU of the whole window instead counted every
// starved second of a busy controller: at a load of 15 on two cores the loop was late by up
// to 1.1 s while the thread burnt under 25 ms in any late gap.)

import type { Meter } from '@opentelemetry/api';

const WINDOW_MS = 1000;
const RESOLUTION_MS = 10;
/** Seconds; 0.1 is the bound the hostile-input test holds the controller to. */
const DELAY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** CPU time of this thread (Node ≥ 23.9), else of the process (which over-counts: conservative). */
function ownCpuMicros(): number {
  const usage = process.threadCpuUsage?.() ?? process.cpuUsage();
  return usage.user + usage.system;
}

/** Starts sampling; answers a function that stops it (the timer never keeps the process alive). */
export function recordEventLoopDelay(meter: Meter): () => void {
  const delay = meter.createHistogram('lockstep_event_loop_delay_seconds', {
    description: `Longest event-loop delay in each ${WINDOW_MS / 1000} s window, in seconds.`,
    unit: 's',
    advice: { explicitBucketBoundaries: DELAY_BUCKETS },
  });
  const blocked = meter.createHistogram('lockstep_event_loop_blocked_seconds', {
    description: `Longest event-loop delay in each ${WINDOW_MS / 1000} s window that the main thread's own CPU time accounts for, in seconds.`,
    unit: 's',
    advice: { explicitBucketBoundaries: DELAY_BUCKETS },
  });
  let delayMs = 0;
  let blockedMs = 0;
  let lastTickMs = performance.now();
  let lastCpu = ownCpuMicros();
  const ticks = setInterval(() => {
    const nowMs = performance.now();
    const cpu = ownCpuMicros();
    const lateMs = nowMs - lastTickMs - RESOLUTION_MS;
    if (lateMs > 0) {
      delayMs = Math.max(delayMs, lateMs);
      blockedMs = Math.max(blockedMs, Math.min(lateMs, (cpu - lastCpu) / 1000));
    }
    lastTickMs = nowMs;
    lastCpu = cpu;
  }, RESOLUTION_MS);
  ticks.unref();
  const timer = setInterval(() => {
    delay.record(delayMs / 1000);
    blocked.record(blockedMs / 1000);
    delayMs = 0;
    blockedMs = 0;
  }, WINDOW_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    clearInterval(ticks);
  };
}
