// The issue's targets checked against a run's figures. Checks are derived from the
// scenarios' figures alone, so `run-bench.ts --render FILE` can recompute them (and the
// README table) for a results file without running anything again.

import { comparisonChecks } from './eso-comparison.ts';
import { providerCallCount, type runGenericScenarios } from './generic-scenarios.ts';
import type { LeaseBenchResult } from './lease-engine-bench.ts';
import type { OutageBenchResult } from './outage-bench.ts';
import { total } from './prometheus-text.ts';
import { atMost, type Check, incomplete, info, type NotRun } from './results.ts';
import { round } from './stats.ts';
import { requestsPerRenewal, type runVaultNativeScenarios } from './vault-native-scenarios.ts';

type Generic = Awaited<ReturnType<typeof runGenericScenarios>>;
type Vault = Awaited<ReturnType<typeof runVaultNativeScenarios>>;

export function checksOf(scenarios: Record<string, unknown>): Check[] {
  const checks: Check[] = [];
  const b4 = scenarios.b4 as { inProcess?: LeaseBenchResult; real?: Vault['b4Real'] } | undefined;
  if (b4?.inProcess) checks.push(...leaseChecks(b4.inProcess));
  const raw = scenarios.rawBaseline as Record<string, { writesPerSecond: number }> | undefined;
  const rates: RawRates = {
    'client-node': raw?.['client-node']?.writesPerSecond,
    'keep-alive': raw?.['keep-alive']?.writesPerSecond,
  };
  if (raw) {
    checks.push(
      info(
        'raw',
        'API server Secret creates, client-node loop (a TLS handshake per request)',
        rates['client-node'],
        'writes/s',
      ),
      info('raw', 'API server Secret creates, keep-alive HTTPS loop', rates['keep-alive'], 'writes/s'),
    );
  }
  if (scenarios.b1) checks.push(...genericChecks(scenarios as unknown as Generic, rates));
  checks.push(...comparisonChecks(scenarios));
  const b5 = scenarios.b5 as Vault['b5'] | NotRun | undefined;
  if (b5 && 'status' in b5) checks.push(info('B5/B4-real', 'Vault-native scenarios', null, '', b5.reason));
  else if (b5 && b4?.real) checks.push(...vaultChecks(b5, b4.real));
  const outage = scenarios.outage as OutageBenchResult | NotRun | undefined;
  if (outage && 'status' in outage) checks.push(info('outage', 'OpenBao down and back', null, '', outage.reason));
  else if (outage) checks.push(...outageChecks(outage));
  return checks;
}

function leaseChecks(b4: LeaseBenchResult): Check[] {
  return [
    atMost('B4', 'renewal lateness p99 (real clock)', b4.realClock.latenessMs.p99, 1000, 'ms'),
    info('B4', 'renewal lateness p50 (real clock)', b4.realClock.latenessMs.p50, 'ms'),
    atMost('B4', 'heap per scheduled lease', b4.heap.bytesPerLease, 1024, 'B'),
    info('B4', 'heap per lease incl. key string', b4.heap.bytesPerLeaseWithKeys, 'B'),
    info('B4', 'CPU per 1,000 renewals (decide + executeLeasePlan)', b4.renewals.cpuMsPer1000, 'ms'),
    info('B4', 'CPU per 1,000 scheduler fires (fake clock)', b4.fakeClock.cpuMsPer1000Fires, 'ms'),
    atMost('B4', 're-issues after restart (in-process ledgers)', b4.renewals.reissuesAfterRestart, 0, ''),
  ];
}

type RawRates = Partial<Record<'client-node' | 'keep-alive', number>>;

function genericChecks(g: Generic, raw: RawRates): Check[] {
  const { b1, b2, b3 } = g;
  const aws = b1.providerCalls.byProvider.aws ?? 0;
  const awsLists = b1.providerCalls.byOperation['aws/ListSecrets'] ?? 0;
  // Issue 15: one BatchGetSecretValue per 20 distinct secrets, plus 5 % (and the find's list calls).
  const awsLimit = Math.floor(Math.ceil(b1.distinct.aws / 20) * 1.05) + awsLists;
  const vaultReported = b1.providerCalls.byProvider.vault;
  const b1WriteRate = b1.seconds ? b1.api.writeTotal / b1.seconds : null;
  const b1Checks: Check[] = [
    b1.seconds === null
      ? incomplete(
          'B1',
          `time until all ${b1.externalSecrets} ExternalSecrets Ready`,
          '<= 60',
          `only ${b1.ready} became Ready`,
        )
      : atMost('B1', `time until all ${b1.externalSecrets} ExternalSecrets Ready`, b1.seconds, 60, 's'),
    info('B1', 'throughput', b1.throughputPerSecond, 'ExternalSecrets/s'),
    atMost('B1', 'controller peak RSS', b1.controller.peakRssMiB, 300, 'MiB'),
    info('B1', 'controller CPU', b1.controller.cpuSeconds, 's'),
    ...(b1.cacheHeap
      ? [
          info(
            'B1',
            'informer cache heap per ExternalSecret (with its Secret)',
            b1.cacheHeap.slim.bytesPerExternalSecret,
            'B',
          ),
          info(
            'B1',
            'the same, objects cached whole (before slimming)',
            b1.cacheHeap.whole.bytesPerExternalSecret,
            'B',
          ),
        ]
      : []),
    atMost(
      'B1',
      `AWS calls (${b1.distinct.aws} distinct; limit ceil(distinct/20) + 5 % + ${awsLists} list calls)`,
      aws,
      awsLimit,
      '',
    ),
    atMost(
      'B1',
      `Vault calls (${b1.distinct.vault} distinct paths)`,
      vaultReported ?? b1.openBaoKvReads,
      b1.distinct.vault,
      '',
      vaultReported === undefined
        ? 'counted by OpenBao: the vault provider reports no lockstep_provider_requests'
        : undefined,
    ),
    info('B1', 'fake provider calls', b1.providerCalls.byProvider.fake ?? 0, ''),
    info('B1', 'API writes (request log)', b1.api.writeTotal, ''),
    info(
      'B1',
      'API writes/s as a share of the keep-alive baseline',
      b1WriteRate && raw['keep-alive'] ? round(b1WriteRate / raw['keep-alive'], 3) : null,
      'x',
    ),
    info(
      'B1',
      'API writes/s as a share of the client-node baseline',
      b1WriteRate && raw['client-node'] ? round(b1WriteRate / raw['client-node'], 3) : null,
      'x',
    ),
  ];
  if (b1.seconds === null) {
    // Counts over a partial sync say nothing about the targets: keep them as figures only.
    for (const c of b1Checks) {
      if (c.figure.includes('calls'))
        Object.assign(c, { pass: null, ratio: null, note: 'partial: B1 did not complete' });
    }
  }
  if ('status' in b2 || 'status' in b3) {
    const reason = 'status' in b2 ? b2.reason : 'not run';
    return [...b1Checks, info('B2/B3', 'steady state and rotation', null, '', `not run: ${reason}`)];
  }
  // From the counts by provider, so results whose `total` still held the HTTP layer read the same.
  const { byProvider } = b2.providerCalls;
  const b2Calls = providerCallCount(byProvider) + (byProvider.vault === undefined ? b2.openBaoKvReads : 0);
  return [
    ...b1Checks,
    atMost('B2', 'Secret writes in a full refresh cycle', b2.api.secretWrites, 0, ''),
    info('B2', 'all API writes in the cycle (status refreshTime, events)', b2.api.writeTotal, ''),
    atMost('B2', `provider calls (${b2.distinctKeys} distinct keys)`, b2Calls, b2.distinctKeys, ''),
    info('B2', 'controller CPU in the cycle', b2.controllerCpuSeconds, 's'),
    info(
      'B3',
      `time until ${b3.affectedSecrets} Secrets carry ${b3.changedRemoteValues} new values`,
      b3.seconds,
      's',
      `polling bound ${b3.pollingBoundSeconds} s`,
    ),
    info('B3', 'Secret writes', b3.api.secretWrites, ''),
  ];
}

function vaultChecks(b5: Vault['b5'], r: Vault['b4Real']): Check[] {
  const { cold, steady } = b5;
  const readsOf = (o: Record<string, number>) => o['read kv'] ?? 0;
  return [
    cold.seconds === null
      ? incomplete(
          'B5',
          `time until all ${cold.staticSecrets} VaultStaticSecrets Ready`,
          'all Ready',
          `only ${cold.ready} became Ready`,
        )
      : info('B5', `time until all ${cold.staticSecrets} VaultStaticSecrets Ready`, cold.seconds, 's'),
    info('B5', 'controller peak RSS (Vault-native only)', cold.controller.peakRssMiB, 'MiB'),
    info('B5', 'controller CPU, cold sync', cold.controller.cpuSeconds, 's'),
    info(
      'B5',
      'OpenBao KV reads, cold sync',
      readsOf(cold.openBaoRequests),
      '',
      `${cold.distinctPaths} distinct paths`,
    ),
    atMost('B5', 'Secret writes in a refresh cycle', steady.api.secretWrites, 0, ''),
    info('B5', 'all API writes in the refresh cycle', steady.api.writeTotal, ''),
    info('B5', 'OpenBao KV reads in the refresh cycle', readsOf(steady.openBaoRequests), ''),
    info('B5', 'controller CPU in the refresh cycle', steady.controllerCpuSeconds, 's'),
    info('B4-real', `time until ${r.dynamicSecrets} database credentials issued`, r.issueSeconds, 's'),
    info('B4-real', `resources renewed twice (lease TTL ${r.leaseTtlSeconds} s)`, r.renewedTwice, ''),
    info('B4-real', 'controller CPU over two renewal cycles', r.renewalCycles.controllerCpuSeconds, 's'),
    info('B4-real', 'renewal lateness p50 (due time to granted)', r.renewalLatenessSeconds.p50, 's'),
    info('B4-real', 'renewal lateness p99 (due time to granted)', r.renewalLatenessSeconds.p99, 's'),
    info(
      'B4-real',
      'OpenBao requests per lease renewal (renewals, logins, token lookups)',
      requestsPerRenewal(r.renewalCycles.openBaoRequests, total(r.renewalCycles.leaseRenewalsMetric)),
      '',
    ),
    info('B4-real', 'restart gap (SIGTERM to the new process started)', r.restartGapSeconds, 's'),
    info('B4-real', 'resources renewed again after the restart', r.renewedAfterRestart, ''),
    atMost('B4-real', 're-issues after restart (lease IDs changed)', r.reissuesAfterRestart, 0, ''),
    atMost('B4-real', 'credential reads at OpenBao after restart', r.openBaoCredentialReadsAfterRestart, 0, ''),
  ];
}

function outageChecks(o: OutageBenchResult): Check[] {
  const f = o.figures;
  if (!f)
    return [incomplete('outage', `OpenBao down and back under ${o.leases} leases`, 'figures', o.failures.join('; '))];
  const { short, long } = f;
  return [
    atMost(
      'outage',
      "invariants that did not hold (the test's assertions)",
      o.failures.length,
      0,
      '',
      o.failures.join('; '),
    ),
    info('outage', `setup: ${f.n} leases issued in ${f.namespaces} namespaces`, round(f.setupMs / 1000, 1), 's'),
    info('outage', 'short outage (longer than a renewal interval)', round(short.outageMs / 1000, 1), 's'),
    atMost('outage', 'credentials re-issued by the short outage', short.reissued, 0, ''),
    atMost('outage', 'Secrets written by the short outage', Object.keys(short.secretWrites).length, 0, ''),
    atMost('outage', 'leases orphaned (in OpenBao, not in a ledger)', short.orphans.length, 0, ''),
    atMost('outage', 'failed app logins with a live credential', f.lockedOutSteady.length, 0, '', `${f.logins} logins`),
    info('outage', 'renewals resumed after OpenBao returned, median', round(short.resumeDelayMedianMs / 1000, 1), 's'),
    info(
      'outage',
      'renewals resumed after OpenBao returned, max',
      round(short.resumeDelayMaxMs / 1000, 1),
      's',
      `largest pending backoff ${round(short.pendingBackoffMaxMs / 1000, 1)} s`,
    ),
    info(
      'outage',
      "long outage (past 3 leases' TTL): re-issues per expired lease",
      Math.max(...long.issuesAfterReturn),
      '',
    ),
  ];
}
