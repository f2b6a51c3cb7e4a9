// Command-line flags of the `lockstep` binary; each has an environment equivalent
// (LOCKSTEP_ + upper snake case), and flags win over the environment.

import { parseArgs } from 'node:util';
import { isLogLevel, type LogLevel } from '@lockstep/core';

export interface Flags {
  kubeconfig?: string;
  /** Watch scope; empty means every namespace. */
  namespaces: string[];
  metricsBindAddress: string;
  healthProbeBindAddress: string;
  leaderElect: boolean;
  concurrency: number;
  logLevel: LogLevel;
  controllerClass?: string;
  /** Where the controller keeps its HMAC key, login tokens and leader Lease. */
  controllerNamespace: string;
  /** How long identical provider reads are shared between ExternalSecrets. */
  coalesceWindowMs: number;
  /** Reconcile deadline on SIGTERM before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** Budget of one reconcile: past it the key is released and backs off (docs/architecture.md, Liveness). */
  reconcileTimeoutMs: number;
  /** Which models run; with neither flag given, both do. */
  enableGeneric: boolean;
  enableVaultNative: boolean;
  /** Identity in the leader Lease (the pod name in a cluster). */
  identity?: string;
  /** Leader election timings (client-go's: 15 s, 10 s, 2 s); shorter ones make tests fast. */
  leaderLeaseDurationMs: number;
  leaderRenewDeadlineMs: number;
  leaderRetryPeriodMs: number;
  /** ClusterSecretStores without `auth` may use the controller's own cloud identity (never SecretStores). */
  allowClusterStoreAmbientCredentials: boolean;
  /** Refuse `http://` Vault addresses instead of only warning about them. */
  refuseInsecureTransport: boolean;
  /** How long a superseded GeneratorState is kept before it is deleted (ESO's --generator-gc-grace-period). */
  generatorGcGraceMs: number;
}

const OPTIONS = {
  kubeconfig: { type: 'string' },
  namespace: { type: 'string', multiple: true },
  'metrics-bind-address': { type: 'string' },
  'health-probe-bind-address': { type: 'string' },
  'leader-elect': { type: 'boolean' },
  concurrency: { type: 'string' },
  'log-level': { type: 'string' },
  'controller-class': { type: 'string' },
  'controller-namespace': { type: 'string' },
  'coalesce-window': { type: 'string' },
  'shutdown-timeout': { type: 'string' },
  'reconcile-timeout': { type: 'string' },
  'enable-generic': { type: 'boolean' },
  'enable-vault-native': { type: 'boolean' },
  'leader-lease-duration': { type: 'string' },
  'leader-renew-deadline': { type: 'string' },
  'leader-retry-period': { type: 'string' },
  'allow-cluster-store-ambient-credentials': { type: 'boolean' },
  'refuse-insecure-transport': { type: 'boolean' },
  'generator-gc-grace-period': { type: 'string' },
  help: { type: 'boolean' },
} as const;

export class FlagError extends Error {}

export const USAGE = `lockstep — keeps Kubernetes Secrets in lockstep with external secret stores

  --kubeconfig PATH                  kubeconfig (default: in-cluster, then $KUBECONFIG)
  --namespace NS                     watch only NS (repeatable; default: all namespaces)
  --metrics-bind-address ADDR        /metrics listener (default :8080; 0 disables)
  --health-probe-bind-address ADDR   /healthz and /readyz listener (default :8081)
  --leader-elect                     run as one of several replicas with a leader Lease
  --concurrency N                    reconciles at once per kind (default 10)
  --log-level LEVEL                  fatal|error|warn|info|debug|trace (default info)
  --controller-class NAME            serve only stores whose spec.controller is NAME
  --controller-namespace NS          namespace of the controller's own state (default: $POD_NAMESPACE or lockstep-system)
  --coalesce-window MS               share identical provider reads for MS milliseconds (default 10000)
  --shutdown-timeout MS              deadline for in-flight reconciles on SIGTERM (default 20000)
  --reconcile-timeout MS             budget of one reconcile; past it the key backs off (default 30000)
  --enable-generic                   run the ExternalSecret pipeline (with neither --enable flag: both models)
  --enable-vault-native              run the Vault-native engine (VSO kinds)
  --leader-lease-duration MS         how long a standby waits before taking an unrenewed Lease (default 15000)
  --leader-renew-deadline MS         a leader that has not renewed for MS stops leading (default 10000)
  --leader-retry-period MS           how often the leader renews and standbys retry (default 2000)
  --allow-cluster-store-ambient-credentials
                                     let ClusterSecretStores without auth use the controller's own cloud
                                     identity (SecretStores never may; default off)
  --refuse-insecure-transport        refuse http:// Vault addresses (default: warn with an InsecureTransport condition)
  --generator-gc-grace-period MS     keep a superseded GeneratorState this long before deleting it (default 120000)
Every flag has an environment equivalent: LOCKSTEP_NAMESPACE (comma-separated), LOCKSTEP_LOG_LEVEL, …`;

/** The flags of this process, or the exit code once usage is printed (`--help`: 0, a bad flag: 2). */
export function readFlags(argv: string[], env: NodeJS.ProcessEnv): Flags | number {
  let flags: Flags | 'help';
  try {
    flags = parseFlags(argv, env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (flags === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  return flags;
}

export function parseFlags(argv: string[], env: NodeJS.ProcessEnv): Flags | 'help' {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  if (values.help) return 'help';
  const fromEnv = (flag: keyof typeof OPTIONS) => env[`LOCKSTEP_${flag.toUpperCase().replaceAll('-', '_')}`];
  const get = (flag: keyof typeof OPTIONS): string | undefined => {
    const v = values[flag];
    return typeof v === 'string' ? v : fromEnv(flag);
  };
  /** A boolean flag, else its environment variable set to `true`. */
  const on = (flag: keyof typeof OPTIONS): boolean => {
    const v = values[flag];
    return typeof v === 'boolean' ? v : fromEnv(flag) === 'true';
  };
  const logLevel = get('log-level') ?? 'info';
  if (!isLogLevel(logLevel))
    throw new FlagError(`--log-level "${logLevel}" must be one of fatal, error, warn, info, debug, trace`);
  const namespaces = values.namespace ?? (env.LOCKSTEP_NAMESPACE ? env.LOCKSTEP_NAMESPACE.split(',') : []);
  return {
    kubeconfig: get('kubeconfig') ?? env.KUBECONFIG,
    namespaces: namespaces.map((n) => n.trim()).filter(Boolean),
    metricsBindAddress: get('metrics-bind-address') ?? ':8080',
    healthProbeBindAddress: get('health-probe-bind-address') ?? ':8081',
    leaderElect: on('leader-elect'),
    concurrency: positiveInt(get('concurrency') ?? '10', '--concurrency'),
    logLevel,
    controllerClass: get('controller-class'),
    controllerNamespace: get('controller-namespace') ?? env.POD_NAMESPACE ?? 'lockstep-system',
    coalesceWindowMs: positiveInt(get('coalesce-window') ?? '10000', '--coalesce-window', true),
    shutdownTimeoutMs: positiveInt(get('shutdown-timeout') ?? '20000', '--shutdown-timeout'),
    reconcileTimeoutMs: positiveInt(get('reconcile-timeout') ?? '30000', '--reconcile-timeout'),
    ...enabledModels(values['enable-generic'], values['enable-vault-native'], env),
    identity: env.POD_NAME,
    leaderLeaseDurationMs: positiveInt(get('leader-lease-duration') ?? '15000', '--leader-lease-duration'),
    leaderRenewDeadlineMs: positiveInt(get('leader-renew-deadline') ?? '10000', '--leader-renew-deadline'),
    leaderRetryPeriodMs: positiveInt(get('leader-retry-period') ?? '2000', '--leader-retry-period'),
    allowClusterStoreAmbientCredentials: on('allow-cluster-store-ambient-credentials'),
    refuseInsecureTransport: on('refuse-insecure-transport'),
    generatorGcGraceMs: positiveInt(get('generator-gc-grace-period') ?? '120000', '--generator-gc-grace-period', true),
  };
}

function positiveInt(text: string, flag: string, allowZero = false): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1))
    throw new FlagError(`${flag} "${text}" must be a ${allowZero ? 'non-negative' : 'positive'} integer`);
  return n;
}

/** `:8080` or `127.0.0.1:8080` to host and port; `0` disables. */
export function parseBindAddress(addr: string): { host: string; port: number } | undefined {
  if (addr === '0') return undefined;
  const i = addr.lastIndexOf(':');
  const host = i > 0 ? addr.slice(0, i) : '0.0.0.0';
  const port = Number(addr.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new FlagError(`bind address "${addr}" must look like :8080 or 127.0.0.1:8080`);
  return { host, port };
}

function enabledModels(
  generic: boolean | undefined,
  vaultNative: boolean | undefined,
  env: NodeJS.ProcessEnv,
): { enableGeneric: boolean; enableVaultNative: boolean } {
  const g = generic ?? (env.LOCKSTEP_ENABLE_GENERIC ? env.LOCKSTEP_ENABLE_GENERIC === 'true' : undefined);
  const v = vaultNative ?? (env.LOCKSTEP_ENABLE_VAULT_NATIVE ? env.LOCKSTEP_ENABLE_VAULT_NATIVE === 'true' : undefined);
  if (!g && !v) return { enableGeneric: true, enableVaultNative: true };
  return { enableGeneric: !!g, enableVaultNative: !!v };
}
