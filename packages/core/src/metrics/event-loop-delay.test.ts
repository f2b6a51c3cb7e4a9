import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMetrics } from './metrics.ts';

function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('lockstep_event_loop_delay_seconds', () => {
  it('counts a window in which the event loop was blocked for longer than 100 ms', async () => {
    const m = createMetrics();
    const over100ms = (text: string) =>
      sample(text, 'lockstep_event_loop_delay_seconds_count') -
      sample(text, 'lockstep_event_loop_delay_seconds_bucket{le="0.1"}');
    // The sampler's first window starts with it: block inside a later one.
    const windows = async () => sample(await m.render(), 'lockstep_event_loop_delay_seconds_count');
    for (let i = 0; i < 40 && (await windows()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const before = over100ms(await m.render());
    const until = Date.now() + 250;
    while (Date.now() < until) {
      // Blocks the loop on purpose, as a runaway template would.
    }
    // The window closes within a second of the stall; wait for the scrape that shows it.
    for (let i = 0; i < 40 && over100ms(await m.render()) === before; i++) await new Promise((r) => setTimeout(r, 100));
    // At least: a loaded machine may add stalls of its own, never remove this one.
    assert.ok(over100ms(await m.render()) >= before + 1);
  });
});
