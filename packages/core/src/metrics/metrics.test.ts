import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { FakeClock } from '../clock/fake-clock.ts';
import { createMetrics } from './metrics.ts';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics', () => {
  it('renders every Lockstep instrument with its name, labels and value', async () => {
    const clock = new FakeClock(new Date('2026-05-01T00:00:00Z'));
    const m = createMetrics({ clock });
    m.recordReconcile({ queue: 'ExternalSecret', key: 'a/x', result: 'success', durationMs: 40 });
    m.recordReconcile({ queue: 'ExternalSecret', key: 'a/y', result: 'success', durationMs: 2000 });
    m.recordReconcile({ queue: 'ExternalSecret', key: 'a/x', result: 'error', durationMs: 10 });
    m.recordReconcile({ queue: 'VaultAuth', key: 'a/z', result: 'timeout', durationMs: 30_000 });
    m.observeQueue({ name: 'VaultDynamicSecret', depth: 7, inFlight: 2, overdue: 1 });
    m.unexpectedErrors.add(1, { origin: 'unhandledRejection' });
    m.providerRequests.add(3, { provider: 'aws', operation: 'BatchGetSecretValue', result: 'success' });
    m.secretWrites.add(1, { kind: 'VaultPKISecret', operation: 'update' });
    m.leasesActive.record(12, { kind: 'VaultDynamicSecret' });
    m.leaseRenewals.add(5, { result: 'renewed' });
    m.leaseRenewals.add(1, { result: 'capped' });
    m.leaseRenewalLateness.record(0.3);
    m.leaseRenewalLateness.record(4);
    m.tokenRenewals.add(2, { result: 'success' });
    m.rolloutRestarts.add(1, { kind: 'Deployment' });
    m.setEarliestLeaseExpiry(new Date('2026-05-01T00:10:00Z'), 'VaultDynamicSecret');
    clock.advance(60_000);

    const text = await m.render();
    const expect: Array<[string, number]> = [
      ['lockstep_reconcile_total{kind="ExternalSecret",result="success"}', 2],
      ['lockstep_reconcile_total{kind="ExternalSecret",result="error"}', 1],
      ['lockstep_reconcile_duration_seconds_count{kind="ExternalSecret"}', 3],
      ['lockstep_reconcile_duration_seconds_sum{kind="ExternalSecret"}', 2.05],
      ['lockstep_reconcile_duration_seconds_bucket{kind="ExternalSecret",le="0.05"}', 2],
      ['lockstep_reconcile_duration_seconds_bucket{kind="ExternalSecret",le="+Inf"}', 3],
      ['lockstep_queue_depth{kind="VaultDynamicSecret"}', 7],
      ['lockstep_queue_in_flight{kind="VaultDynamicSecret"}', 2],
      ['lockstep_queue_overdue{kind="VaultDynamicSecret"}', 1],
      ['lockstep_reconcile_total{kind="VaultAuth",result="timeout"}', 1],
      ['lockstep_unexpected_errors_total{origin="unhandledRejection"}', 1],
      ['lockstep_provider_requests_total{provider="aws",operation="BatchGetSecretValue",result="success"}', 3],
      ['lockstep_secret_writes_total{kind="VaultPKISecret",operation="update"}', 1],
      ['lockstep_leases_active{kind="VaultDynamicSecret"}', 12],
      ['lockstep_lease_renewals_total{result="renewed"}', 5],
      ['lockstep_lease_renewals_total{result="capped"}', 1],
      ['lockstep_lease_renewal_lateness_seconds_bucket{le="0.5"}', 1],
      ['lockstep_lease_renewal_lateness_seconds_bucket{le="5"}', 2],
      ['lockstep_lease_renewal_lateness_seconds_count', 2],
      ['lockstep_token_renewals_total{result="success"}', 2],
      ['lockstep_rollout_restarts_total{kind="Deployment"}', 1],
      ['lockstep_lease_earliest_expiry_seconds{kind="VaultDynamicSecret"}', 540],
    ];
    for (const [series, value] of expect) assert.equal(sample(text, series), value, `${series} in\n${text}`);
    assert.match(text, /# TYPE lockstep_reconcile_duration_seconds histogram/);
    await m.shutdown();
  });

  it('stops publishing a queue once it is unregistered and a lease expiry once cleared', async () => {
    const m = createMetrics();
    const unregister = m.observeQueue({ name: 'ExternalSecret', depth: 1, inFlight: 0 });
    m.setEarliestLeaseExpiry(new Date(Date.now() + 1000));
    assert.notEqual(sample(await m.render(), 'lockstep_queue_depth{kind="ExternalSecret"}'), undefined);
    unregister();
    m.setEarliestLeaseExpiry(undefined);
    const text = await m.render();
    assert.equal(sample(text, 'lockstep_queue_depth{kind="ExternalSecret"}'), undefined);
    assert.equal(sample(text, 'lockstep_lease_earliest_expiry_seconds'), undefined);
    await m.shutdown();
  });

  it('serves the Prometheus text from the controller HTTP server', async () => {
    const m = createMetrics();
    m.rolloutRestarts.add(4, { kind: 'StatefulSet' });
    const server = createServer((req, res) => m.handleRequest(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      assert.equal(sample(await res.text(), 'lockstep_rollout_restarts_total{kind="StatefulSet"}'), 4);
    } finally {
      server.close();
      await m.shutdown();
    }
  });
});
