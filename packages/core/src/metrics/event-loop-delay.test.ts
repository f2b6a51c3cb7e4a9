import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMetrics } from './metrics.ts';

function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('event-loop delay metrics', () => {
  for (const metric of ['lockstep_event_loop_delay_seconds', 'lockstep_event_loop_blocked_seconds']) {
    it(`${metric} counts a window in which our own code blocked the event loop for longer than 100 ms`, async () => {
      const m = createMetrics();
      const over100ms = (text: string) => sample(text, `${metric}_count`) - sample(text, `${metric}_bucket{le="0.1"}`);
      // The sampler's first window starts with it: block inside a later one.
      const windows = async () => sample(await m.render(), `${metric}_count`);
      for (let i = 0; i < 40 && (await windows()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
      const before = over100ms(await m.render());
      // Burns 250 ms of this thread's CPU on the event loop, as a runaway template would
      // (CPU time, not wall time: on a loaded machine the wall clock runs ahead of it).
      const cpuMs = () => {
        const u = process.threadCpuUsage();
        return (u.user + u.system) / 1000;
      };
      const until = cpuMs() + 250;
      while (cpuMs() < until) {
        // spin
      }
      // The window closes within a second of the stall; wait for the scrape that shows it.
      for (let i = 0; i < 40 && over100ms(await m.render()) === before; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      // At least: a loaded machine may add stalls of its own, never remove this one.
      assert.ok(over100ms(await m.render()) >= before + 1);
    });
  }
});
