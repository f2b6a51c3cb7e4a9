import assert from 'node:assert/strict';
import { it } from 'node:test';
import { clientRequests } from './openbao-metrics.ts';

it('counts a lease renewal once and leaves out OpenBao’s own rollbacks and the other controllers’ reads', () => {
  // Two renewal cycles of 20 leases beside 100 VaultStaticSecrets (a `small` run's counts).
  const routes = {
    'read kv': 100,
    'renew database': 60,
    'rollback database': 1,
    'rollback sys': 1,
    'update sys': 60,
    'read auth_token': 2,
  };
  assert.equal(clientRequests(routes, ['read kv']), 62);
  assert.equal(clientRequests(routes, []), 162, 'without the other reads named, they count');
});
