import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlagError, type Flags, parseFlags } from './flags.ts';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseFlags(argv, env) as Flags;

describe('--reconcile-timeout', () => {
  it('gives each reconcile 30 s unless told otherwise', () => {
    assert.equal(parse([]).reconcileTimeoutMs, 30_000);
  });

  it('takes the flag, or its environment equivalent', () => {
    assert.equal(parse(['--reconcile-timeout', '5000']).reconcileTimeoutMs, 5000);
    assert.equal(parse([], { LOCKSTEP_RECONCILE_TIMEOUT: '7000' }).reconcileTimeoutMs, 7000);
    assert.equal(
      parse(['--reconcile-timeout', '5000'], { LOCKSTEP_RECONCILE_TIMEOUT: '7000' }).reconcileTimeoutMs,
      5000,
    );
  });

  it('refuses a budget that is not a positive number of milliseconds', () => {
    for (const bad of ['0', '-1', '30s', '1.5']) {
      assert.throws(() => parse([`--reconcile-timeout=${bad}`]), FlagError);
    }
  });
});
