import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type GrowthRow, growthSpec, renderGrowthPng } from './growth-plot.ts';

const rows: GrowthRow[] = [
  {
    externalSecrets: 1_000,
    seconds: 9,
    peakRssMiB: 150,
    apiRequestsPerExternalSecret: 1.3,
    providerCallsPerExternalSecret: 0.5,
  },
  {
    externalSecrets: 10_000,
    seconds: 95,
    peakRssMiB: 700,
    apiRequestsPerExternalSecret: 1.2,
    providerCallsPerExternalSecret: 0.5,
  },
];

describe('growth plot', () => {
  it('plots every figure against a log scale of ExternalSecrets', () => {
    const spec = JSON.stringify(growthSpec(rows));
    for (const field of ['seconds', 'peakRssMiB', 'apiRequestsPerExternalSecret', 'providerCallsPerExternalSecret']) {
      assert.ok(spec.includes(`"field":"${field}"`), field);
    }
    assert.ok(spec.includes('"type":"log"'));
  });

  it('renders a PNG', async () => {
    const png = await renderGrowthPng(rows);
    assert.deepEqual([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
    // IHDR: width and height, big-endian, at bytes 16-23; two panels of 260 px side by side, zoomed 2x.
    assert.ok(png.readUInt32BE(16) > 1_000, `width ${png.readUInt32BE(16)}`);
    assert.ok(png.readUInt32BE(20) > 500, `height ${png.readUInt32BE(20)}`);
  });
});
