import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: $LOCKSTEP_ROOT (set by the Makefile) or derived from this file's place. */
export function lockstepRoot(): string {
  return process.env.LOCKSTEP_ROOT ?? fileURLToPath(new URL('../../../../', import.meta.url));
}

/** A binary from the repo's .venv (OpenBao, moto), else the bare name for PATH lookup. */
export function venvBinary(name: string): string {
  const candidate = join(lockstepRoot(), '.venv', 'bin', name);
  return existsSync(candidate) ? candidate : name;
}

/** Debian installs PostgreSQL under /usr/lib/postgresql/<major>/bin; take the newest. */
export function postgresBinDir(): string {
  const base = '/usr/lib/postgresql';
  const majors = existsSync(base)
    ? readdirSync(base)
        .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = majors[0];
  if (!newest) throw new Error(`PostgreSQL is not installed: no ${base}/<version>/bin/initdb (run \`make peers\`)`);
  return join(base, newest, 'bin');
}
