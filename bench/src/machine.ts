// The machine a run happened on, recorded with every result: figures only compare on the same machine.

import { execFileSync } from 'node:child_process';
import { cpus, freemem, hostname, loadavg, totalmem } from 'node:os';

export interface MachineInfo {
  hostname: string;
  nproc: number;
  cpuModel: string;
  memoryBytes: number;
  freeMemoryBytes: number;
  node: string;
  /** 1, 5 and 15 minute load averages when the run started: other work on the machine skews figures. */
  loadAverage: number[];
  kernel: string;
}

export function machineInfo(): MachineInfo {
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    // nproc missing: os.cpus() is close enough.
  }
  let kernel = '';
  try {
    kernel = execFileSync('uname', ['-sr'], { encoding: 'utf8' }).trim();
  } catch {
    kernel = process.platform;
  }
  return {
    hostname: hostname(),
    nproc,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
    freeMemoryBytes: freemem(),
    node: process.version,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    kernel,
  };
}
