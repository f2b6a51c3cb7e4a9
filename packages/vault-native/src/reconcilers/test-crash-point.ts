// A test-only fault hook (docs/reliability.md): `LOCKSTEP_TEST_CRASH_AFTER=issue` makes the
// process kill itself with SIGKILL right after Vault answered an issue, before the Secret or
// the status is written: the one crash point a test cannot hit reliably from outside. Unset in
// every real deployment; read once at start-up.

const points = new Set(
  (process.env.LOCKSTEP_TEST_CRASH_AFTER ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean),
);

export type CrashPoint = 'issue';

/** SIGKILLs this process when `LOCKSTEP_TEST_CRASH_AFTER` names `point`: no cleanup, as a crash. */
export function crashPoint(point: CrashPoint): void {
  if (points.has(point)) process.kill(process.pid, 'SIGKILL');
}
