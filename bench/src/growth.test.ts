import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type B1Figures, growthExponents, growthHeap, growthRow, scaledTo } from './growth.ts';
import { growthTable } from './readme-table.ts';
import { SCALES, totalExternalSecrets } from './scale.ts';

const b1 = (n: number, seconds: number, rss: number): B1Figures => ({
  externalSecrets: n,
  seconds,
  ready: n,
  controller: { peakRssMiB: rss, cpuSeconds: seconds },
  api: { writeTotal: n, readTotal: n / 10 },
  motoRequests: n / 20,
  openBaoKvReads: n / 5,
});

describe('growth', () => {
  it('scales B1 fixtures to a size, keeping every proportion and the exact total', () => {
    const full = SCALES.full;
    const s = scaledTo(full, 50_000);
    assert.equal(totalExternalSecrets(s), 50_000);
    assert.equal(s.namespaces, full.namespaces * 5);
    assert.equal(s.aws.distinct, full.aws.distinct * 5);
    assert.equal(s.aws.externalSecrets / s.aws.distinct, full.aws.externalSecrets / full.aws.distinct);
    assert.equal(totalExternalSecrets(scaledTo(SCALES.small, 1_000)), 1_000);
  });

  it('reads per-ExternalSecret figures and no time for a run that did not finish', () => {
    const row = growthRow(b1(1_000, 10, 200));
    assert.deepEqual(row, {
      externalSecrets: 1_000,
      seconds: 10,
      peakRssMiB: 200,
      apiRequestsPerExternalSecret: 1.1,
      providerCallsPerExternalSecret: 0.25,
    });
    assert.equal(growthRow({ ...b1(1_000, 10, 200), ready: 999 }).seconds, null);
  });

  it('states the exponent of growth between neighbouring sizes', () => {
    const rows = [b1(10_000, 100, 400), b1(1_000, 10, 200), b1(50_000, 600, 800)].map(growthRow);
    const k = growthExponents(rows);
    assert.deepEqual(
      k.map((e) => [e.from, e.to, e.seconds]),
      [
        [1_000, 10_000, 1],
        [10_000, 50_000, 1.11],
      ],
    );
    assert.equal(k[0]?.peakRssMiB, 0.3);
    const table = growthTable({ rows, exponents: k, plot: '/x/results/growth-1.png' }).join('\n');
    assert.match(table, /\| 50,000 \| 600 s \| 12 s \| 800 MiB \|/);
    assert.match(table, /!\[B1 growth\]\(results\/growth-1\.png\)/);
  });
});

it('each growth size gets a heap scaled from B1’s, never smaller', () => {
  assert.deepEqual(growthHeap(256, 0.1), { LOCKSTEP_HEAP_SIZE_MIB: '256' });
  assert.deepEqual(growthHeap(256, 5), { LOCKSTEP_HEAP_SIZE_MIB: '1280' });
  assert.deepEqual(growthHeap(0, 5), {}, 'no heap size asked for: the controller sizes its own');
});
