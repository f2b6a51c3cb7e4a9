import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { GuardedWatch } from './guarded-watch.ts';

describe('GuardedWatch', () => {
  it('hands a failing async done callback to onFailure instead of leaving its rejection unhandled', async () => {
    // Nothing listens on port 1 of loopback: the watch fails at once and calls done.
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
      users: [{ name: 'u', token: 'not-a-real-token' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const failures: unknown[] = [];
    const failed = new Promise<void>((resolve) => {
      const watch = new GuardedWatch(kc, (err) => {
        failures.push(err);
        resolve();
      });
      // What ListWatch does: its done handler restarts the watch and may reject.
      void watch.watch('/api/v1/configmaps', {}, () => {}, (async () => {
        throw new Error('restart failed');
      }) as (err: unknown) => void);
    });
    await failed;
    assert.equal(failures.length, 1);
    assert.match(String(failures[0]), /restart failed/);
  });
});
