// BENCH_SCALE: `full` is the scenario, `small` a quick run for CI smoke, `tiny` what
// the test suite runs to check the harness's structure (never its timings).

export type ScaleName = 'tiny' | 'small' | 'full';

export interface Scale {
  name: ScaleName;
  namespaces: number;
  /** ExternalSecrets per provider; each distinct key is shared by externalSecrets / distinct of them. */
  aws: { externalSecrets: number; distinct: number };
  vault: { externalSecrets: number; distinct: number };
  fake: { externalSecrets: number; distinct: number };
  /** Long enough that no periodic refresh starts before the cold sync is done. */
  refreshInterval: string;
  refreshIntervalMs: number;
  /** B3: remote values changed, half in AWS and half in Vault. */
  rotatedKeys: number;
  /** Raw baseline: Secret creates from a tight client loop. */
  rawCreates: number;
  /** B4 in-process. */
  leases: number;
  leaseSpreadMs: number;
  /** B4 real: dynamic database credentials; B5: VaultStaticSecrets. */
  dynamicSecrets: number;
  staticSecrets: number;
  /** B5 VaultStaticSecret refreshAfter. */
  vaultRefreshAfter: string;
  vaultRefreshAfterMs: number;
  /** B4-real: TTL of the database role's leases (renewed at 67%). */
  dynamicTtlSeconds: number;
  /** Issue 12's OpenBao outage: live dynamic leases while OpenBao is stopped (0: not run; the test suite runs 200). */
  outageLeases: number;
  /** Growth: B1 at each of these sizes (B1's own size is not measured twice). */
  growthSizes: readonly number[];
  /** Longest wait for any one phase before the harness gives up and records a timeout. */
  phaseTimeoutMs: number;
  /** The same for ESO's runs, which are expected to be several times slower (0: ESO is not run). */
  esoPhaseTimeoutMs: number;
}

export const SCALES: Record<ScaleName, Scale> = {
  tiny: {
    name: 'tiny',
    namespaces: 2,
    aws: { externalSecrets: 8, distinct: 4 },
    vault: { externalSecrets: 8, distinct: 4 },
    fake: { externalSecrets: 4, distinct: 2 },
    refreshInterval: '10s',
    refreshIntervalMs: 10_000,
    rotatedKeys: 4,
    rawCreates: 200,
    leases: 2_000,
    leaseSpreadMs: 1_000,
    dynamicSecrets: 4,
    staticSecrets: 10,
    vaultRefreshAfter: '10s',
    vaultRefreshAfterMs: 10_000,
    dynamicTtlSeconds: 10,
    outageLeases: 0,
    growthSizes: [20, 40],
    phaseTimeoutMs: 60_000,
    esoPhaseTimeoutMs: 0,
  },
  small: {
    name: 'small',
    namespaces: 4,
    aws: { externalSecrets: 80, distinct: 40 },
    vault: { externalSecrets: 80, distinct: 40 },
    fake: { externalSecrets: 40, distinct: 20 },
    refreshInterval: '30s',
    refreshIntervalMs: 30_000,
    rotatedKeys: 20,
    rawCreates: 1_000,
    leases: 10_000,
    leaseSpreadMs: 5_000,
    dynamicSecrets: 20,
    staticSecrets: 100,
    vaultRefreshAfter: '20s',
    vaultRefreshAfterMs: 20_000,
    dynamicTtlSeconds: 12,
    outageLeases: 200,
    growthSizes: [200, 1_000],
    phaseTimeoutMs: 180_000,
    esoPhaseTimeoutMs: 300_000,
  },
  full: {
    name: 'full',
    namespaces: 100,
    aws: { externalSecrets: 4_000, distinct: 2_000 },
    vault: { externalSecrets: 4_000, distinct: 2_000 },
    fake: { externalSecrets: 2_000, distinct: 200 },
    refreshInterval: '150s',
    refreshIntervalMs: 150_000,
    rotatedKeys: 1_000,
    rawCreates: 5_000,
    leases: 100_000,
    leaseSpreadMs: 20_000,
    dynamicSecrets: 1_000,
    staticSecrets: 2_000,
    vaultRefreshAfter: '60s',
    vaultRefreshAfterMs: 60_000,
    dynamicTtlSeconds: 60,
    outageLeases: 1_000,
    growthSizes: [1_000, 10_000, 50_000],
    phaseTimeoutMs: 420_000,
    esoPhaseTimeoutMs: 1_800_000,
  },
};

export function scaleFrom(value: string | undefined): Scale {
  const name = (value || 'full') as ScaleName;
  const scale = SCALES[name];
  if (!scale) throw new Error(`BENCH_SCALE "${value}" must be one of ${Object.keys(SCALES).join(', ')}`);
  return scale;
}

export function totalExternalSecrets(s: Scale): number {
  return s.aws.externalSecrets + s.vault.externalSecrets + s.fake.externalSecrets;
}
