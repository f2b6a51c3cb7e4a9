import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { histogramQuantile, parsePrometheus } from './prometheus-text.ts';

const scrape = (counts: Record<string, number>) =>
  parsePrometheus(
    Object.entries(counts)
      .map(([le, n]) => `late_seconds_bucket{le="${le}"} ${n}`)
      .join('\n'),
  );

describe('histogramQuantile', () => {
  it('interpolates inside the bucket that holds the rank, over the window between two scrapes', () => {
    const before = scrape({ '0.5': 10, '1': 10, '5': 10, '+Inf': 10 });
    // 100 observations in the window: 50 under 0.5 s, 40 in (0.5, 1], 10 in (1, 5].
    const after = scrape({ '0.5': 60, '1': 100, '5': 110, '+Inf': 110 });
    assert.equal(histogramQuantile(0.5, 'late_seconds', after, before), 0.5);
    assert.equal(histogramQuantile(0.7, 'late_seconds', after, before), 0.5 + 0.5 * (20 / 40));
    assert.ok(Math.abs((histogramQuantile(0.99, 'late_seconds', after, before) ?? 0) - (1 + 4 * 0.9)) < 1e-9);
  });

  it('answers the last finite bound past it, and nothing for an empty window', () => {
    const after = scrape({ '1': 1, '+Inf': 3 });
    assert.equal(histogramQuantile(0.99, 'late_seconds', after), 1);
    assert.equal(histogramQuantile(0.5, 'late_seconds', after, after), undefined);
  });
});
