// V8 sizes its heap from the machine, not from the container: on a large node the controller's
// heap may grow far past its pod's memory limit before V8 bothers to collect (peak RSS 690 MiB
// at 10,000 ExternalSecrets with 150 MiB live), and the kubelet kills it. So the heap is sized
// from the container's memory limit, read from the cgroup at start, and the process re-executes
// itself with `--max-old-space-size` before anything else is loaded (same PID, same stdio).
// The young generation is sized with it: V8's default lets each semi-space grow to 64 MiB under
// a high allocation rate (a cold sync), which alone can be a third of a small pod's memory.
// The re-executed process also gets MALLOC_ARENA_MAX=2 (unless set): glibc keeps an arena per
// thread that allocated, and the memory V8's compiler and GC threads free stays in them (15 MiB
// of RSS just after the modules load).

import { readFileSync } from 'node:fs';

const MIB = 1024 * 1024;
/** Share of the memory limit given to V8's old space; the rest is young space, code and native buffers. */
export const HEAP_SHARE_OF_LIMIT = 0.5;
/** Below this the controller cannot hold its caches; a smaller limit still gets this much. */
const MIN_HEAP_MIB = 64;
/** Semi-space (young generation) size for an old space of `oldMiB`: 1/20 of it, 4 to 32 MiB. */
export function semiSpaceMiB(oldMiB: number): number {
  return Math.min(32, Math.max(4, Math.floor(oldMiB / 20)));
}

/** cgroup v1 reports "no limit" as a huge number (PAGE_COUNTER_MAX pages). */
const NO_LIMIT_V1 = 2 ** 60;

export type ReadText = (path: string) => string | undefined;

const readText: ReadText = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** The container's memory limit in bytes (cgroup v2 memory.max, else v1 limit_in_bytes); undefined: none. */
export function memoryLimitBytes(read: ReadText = readText): number | undefined {
  const v2 = read('/sys/fs/cgroup/memory.max')?.trim();
  if (v2 !== undefined) return v2 === 'max' || !/^\d+$/.test(v2) ? undefined : Number(v2);
  const v1 = read('/sys/fs/cgroup/memory/memory.limit_in_bytes')?.trim();
  if (v1 === undefined || !/^\d+$/.test(v1)) return undefined;
  const bytes = Number(v1);
  return bytes >= NO_LIMIT_V1 ? undefined : bytes;
}

export type HeapSize =
  | { mib: number; source: 'LOCKSTEP_HEAP_SIZE_MIB' | 'memory limit'; limitMiB?: number }
  | { mib: undefined; reason: string };

/**
 * The old-space size to run with: `LOCKSTEP_HEAP_SIZE_MIB` (chart value `heapSizeMiB`) when set
 * and not 0, else half the memory limit. None when Node flags already size the heap.
 */
export function heapSize(
  env: NodeJS.ProcessEnv,
  execArgv: readonly string[],
  limitBytes: number | undefined,
): HeapSize {
  const flags = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (flags.some((f) => f.startsWith('--max-old-space-size'))) {
    return { mib: undefined, reason: 'set by a Node flag' };
  }
  const explicit = env.LOCKSTEP_HEAP_SIZE_MIB?.trim();
  if (explicit && explicit !== '0') {
    const mib = Number(explicit);
    if (!Number.isInteger(mib) || mib < MIN_HEAP_MIB) {
      throw new Error(
        `LOCKSTEP_HEAP_SIZE_MIB must be a whole number of MiB, at least ${MIN_HEAP_MIB} (got "${explicit}")`,
      );
    }
    return { mib, source: 'LOCKSTEP_HEAP_SIZE_MIB' };
  }
  if (limitBytes === undefined) return { mib: undefined, reason: 'no memory limit' };
  const limitMiB = Math.floor(limitBytes / MIB);
  return { mib: Math.max(MIN_HEAP_MIB, Math.floor(limitMiB * HEAP_SHARE_OF_LIMIT)), source: 'memory limit', limitMiB };
}

/** Set in the re-executed process: the size it was given, so it does not size itself again. */
export const HEAP_SIZED_ENV = 'LOCKSTEP_HEAP_SIZED_MIB';

/** Re-executes this process with the heap sized (does not return), unless there is nothing to size. */
export function sizeHeapToMemoryLimit(proc: NodeJS.Process = process): void {
  if (proc.env[HEAP_SIZED_ENV] !== undefined) return;
  const size = heapSize(proc.env, proc.execArgv, memoryLimitBytes());
  if (size.mib === undefined) return;
  proc.execve?.(
    proc.execPath,
    [
      proc.execPath,
      `--max-old-space-size=${size.mib}`,
      `--max-semi-space-size=${semiSpaceMiB(size.mib)}`,
      ...proc.execArgv,
      ...proc.argv.slice(1),
    ],
    { MALLOC_ARENA_MAX: '2', ...proc.env, [HEAP_SIZED_ENV]: String(size.mib) },
  );
}
