import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { createMetrics } from './metrics.ts';

const METRICS_MODULE = new URL('./metrics.ts', import.meta.url).href;

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

  it('a process the machine did not schedule for 400 ms is late, not blocked', async () => {
    // A busy child (4 ms of work every 8 ms, as a controller in a burst of reconciles) that
    // renders its metrics; SIGSTOP stands for a starved or throttled pod.
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { createMetrics } = await import(${JSON.stringify(METRICS_MODULE)});
         const m = createMetrics();
         setInterval(() => { const end = performance.now() + 4; while (performance.now() < end) {} }, 8);
         setInterval(async () => process.stdout.write(JSON.stringify(await m.render()) + '\\n'), 200);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const renders = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const next = async () => JSON.parse((await renders.next()).value as string) as string;
      const over100ms = (text: string, metric: string) =>
        sample(text, `${metric}_count`) - sample(text, `${metric}_bucket{le="0.1"}`);
      let text = await next();
      while (sample(text, 'lockstep_event_loop_delay_seconds_count') === 0) text = await next();
      child.kill('SIGSTOP');
      await new Promise((resolve) => setTimeout(resolve, 400));
      child.kill('SIGCONT');
      // The raw delay sees the stop (the positive signal); the blocked metric must not.
      while (over100ms(text, 'lockstep_event_loop_delay_seconds') === 0) text = await next();
      text = await next();
      assert.equal(over100ms(text, 'lockstep_event_loop_blocked_seconds'), 0, text);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
