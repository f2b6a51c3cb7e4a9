// Resource use of a child process from /proc (Linux): peak RSS is the kernel's high-water
// mark (VmHWM), CPU is user + system time in clock ticks (100 per second on Linux).

import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

export interface ProcStats {
  /** Peak resident set size since the process started (VmHWM), bytes. */
  peakRssBytes: number;
  /** Resident set size now (VmRSS), bytes. */
  rssBytes: number;
  /** User + system CPU time so far, seconds. */
  cpuSeconds: number;
}

export function readProcStats(pid: number): ProcStats {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the full line: 12 and 13 after the name.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { peakRssBytes: kb('VmHWM'), rssBytes: kb('VmRSS'), cpuSeconds: ticks / TICKS_PER_SECOND };
}

/** The reading now, or `previous` once the process is gone (/proc forgets it at exit). */
export function readProcStatsOr(pid: number, previous: ProcStats): ProcStats {
  try {
    return readProcStats(pid);
  } catch {
    return previous;
  }
}
