// The chart's heapSizeMiB reaches the controller as LOCKSTEP_HEAP_SIZE_MIB; left at 0 the
// controller sizes its heap from the pod's memory limit (heap-limit.ts).

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { renderChart } from './helm-chart.ts';

type Container = { name: string; env?: Array<{ name: string; value?: string }> };

async function controllerEnv(values: object): Promise<Array<{ name: string; value?: string }>> {
  const docs = await renderChart(values);
  const deployment = docs.find((d) => d.kind === 'Deployment') as
    | { spec: { template: { spec: { containers: Container[] } } } }
    | undefined;
  assert.ok(deployment, 'the chart renders a Deployment');
  return deployment.spec.template.spec.containers.find((c) => c.name === 'controller')?.env ?? [];
}

it('heapSizeMiB is passed as LOCKSTEP_HEAP_SIZE_MIB, and by default the heap follows the memory limit', async () => {
  assert.equal(
    (await controllerEnv({})).find((e) => e.name === 'LOCKSTEP_HEAP_SIZE_MIB'),
    undefined,
    'no override by default',
  );
  assert.deepEqual(
    (await controllerEnv({ heapSizeMiB: 300 })).find((e) => e.name === 'LOCKSTEP_HEAP_SIZE_MIB'),
    { name: 'LOCKSTEP_HEAP_SIZE_MIB', value: '300' },
  );
});
