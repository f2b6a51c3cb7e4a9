import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heapSize, memoryLimitBytes, semiSpaceMiB } from './heap-limit.ts';

const MIB = 1024 * 1024;
const files = (entries: Record<string, string>) => (path: string) => entries[path];

test('the memory limit comes from cgroup v2 memory.max, else v1 limit_in_bytes; "max" and v1 huge values mean none', () => {
  assert.equal(memoryLimitBytes(files({ '/sys/fs/cgroup/memory.max': '536870912\n' })), 512 * MIB);
  assert.equal(memoryLimitBytes(files({ '/sys/fs/cgroup/memory.max': 'max\n' })), undefined);
  assert.equal(memoryLimitBytes(files({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '402653184\n' })), 384 * MIB);
  assert.equal(
    memoryLimitBytes(files({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712\n' })),
    undefined,
  );
  assert.equal(memoryLimitBytes(files({})), undefined);
});

test('the heap is half the memory limit, LOCKSTEP_HEAP_SIZE_MIB overrides it, and a Node flag wins over both', () => {
  assert.deepEqual(heapSize({}, [], 512 * MIB), { mib: 256, source: 'memory limit', limitMiB: 512 });
  assert.deepEqual(heapSize({ LOCKSTEP_HEAP_SIZE_MIB: '200' }, [], 512 * MIB), {
    mib: 200,
    source: 'LOCKSTEP_HEAP_SIZE_MIB',
  });
  assert.deepEqual(heapSize({ LOCKSTEP_HEAP_SIZE_MIB: '0' }, [], undefined), {
    mib: undefined,
    reason: 'no memory limit',
  });
  assert.equal(heapSize({}, ['--max-old-space-size=100'], 512 * MIB).mib, undefined);
  assert.equal(heapSize({ NODE_OPTIONS: '--max-old-space-size=100' }, [], 512 * MIB).mib, undefined);
  assert.equal(heapSize({}, [], 64 * MIB).mib, 64, 'never below what the caches need to start');
});

test('a heap size that is not a whole number of MiB stops the start with what to fix', () => {
  assert.throws(
    () => heapSize({ LOCKSTEP_HEAP_SIZE_MIB: '256Mi' }, [], undefined),
    /LOCKSTEP_HEAP_SIZE_MIB must be a whole number of MiB/,
  );
});

test('the young generation is sized with the old space: 1/20, between 4 and 32 MiB', () => {
  assert.equal(semiSpaceMiB(256), 12);
  assert.equal(semiSpaceMiB(64), 4);
  assert.equal(semiSpaceMiB(4096), 32);
});
