// Turns a Lockstep resource (as listed from the API) into a table row. Pure: the caller
// hands in the key names of the Secrets it found, never their values.

import { parseGoDuration } from '@lockstep/core';
import type { DemoRow, Model, NextEvent, TargetView } from './demo-row.ts';

export interface KindInfo {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  model: Model;
}

const EXTERNAL = { group: 'external.lockstep.dev', version: 'v1', model: 'generic' } as const;
const VAULT = { group: 'vault.lockstep.dev', version: 'v1beta1', model: 'vault-native' } as const;

/** The kinds the table shows, in display order. */
export const DEMO_KINDS: readonly KindInfo[] = [
  { ...EXTERNAL, kind: 'ClusterSecretStore', plural: 'clustersecretstores', namespaced: false },
  { ...EXTERNAL, kind: 'SecretStore', plural: 'secretstores', namespaced: true },
  { ...EXTERNAL, kind: 'ClusterExternalSecret', plural: 'clusterexternalsecrets', namespaced: false },
  { ...EXTERNAL, kind: 'ExternalSecret', plural: 'externalsecrets', namespaced: true },
  { ...EXTERNAL, kind: 'PushSecret', plural: 'pushsecrets', namespaced: true },
  { ...VAULT, kind: 'VaultConnection', plural: 'vaultconnections', namespaced: true },
  { ...VAULT, kind: 'VaultAuth', plural: 'vaultauths', namespaced: true },
  { ...VAULT, kind: 'VaultStaticSecret', plural: 'vaultstaticsecrets', namespaced: true },
  { ...VAULT, kind: 'VaultDynamicSecret', plural: 'vaultdynamicsecrets', namespaced: true },
  { ...VAULT, kind: 'VaultPKISecret', plural: 'vaultpkisecrets', namespaced: true },
];

/** The fields a row reads; everything optional because status is written by someone else. */
export interface ResourceObject {
  metadata?: { name?: string; namespace?: string };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/**
 * What the demo knows about the controller: `undefined` until it has started, then the
 * names of the kinds it reconciles (from its `lockstep started` log line).
 */
export type ServedKinds = ReadonlySet<string> | undefined;

/** Key names of a Secret, or undefined when it does not exist. */
export type SecretKeysOf = (namespace: string, name: string) => string[] | undefined;

export function toRow(info: KindInfo, obj: ResourceObject, keysOf: SecretKeysOf, served: ServedKinds): DemoRow {
  const namespace = obj.metadata?.namespace;
  const row: DemoRow = {
    kind: info.kind,
    ...(namespace ? { namespace } : {}),
    name: obj.metadata?.name ?? '',
    model: info.model,
  };
  Object.assign(row, readiness(info.kind, obj.status, served));
  const target = targetOf(info.kind, obj, keysOf);
  if (target) row.target = target;
  const lease = leaseExpiryOf(info.kind, obj.status);
  if (lease) row.leaseExpiry = lease;
  const next = nextOf(info.kind, obj);
  if (next) row.next = next;
  return row;
}

function readiness(kind: string, status: Record<string, unknown> | undefined, served: ServedKinds) {
  const conditions = Array.isArray(status?.conditions) ? (status.conditions as Record<string, unknown>[]) : [];
  const ready = conditions.find((c) => c.type === 'Ready');
  if (ready && (ready.status === 'True' || ready.status === 'False' || ready.status === 'Unknown')) {
    return {
      ready: ready.status,
      ...(typeof ready.reason === 'string' && ready.reason ? { reason: ready.reason } : {}),
      ...(typeof ready.message === 'string' && ready.message ? { message: ready.message } : {}),
    } as const;
  }
  // VSO kinds report validity as a boolean as well as (or instead of) a condition.
  if (typeof status?.valid === 'boolean') {
    return {
      ready: status.valid ? 'True' : 'False',
      reason: status.valid ? 'Valid' : 'Invalid',
      ...(typeof status.error === 'string' && status.error ? { message: status.error } : {}),
    } as const;
  }
  if (served === undefined) return { reason: 'Pending', message: 'waiting for the controller to start' };
  if (!served.has(kind)) {
    return { reason: 'NotServed', message: `this controller build does not reconcile ${kind} yet` };
  }
  return { reason: 'Pending', message: 'waiting for the first reconcile' };
}

function targetOf(kind: string, obj: ResourceObject, keysOf: SecretKeysOf): TargetView | undefined {
  const ns = obj.metadata?.namespace ?? '';
  const spec = obj.spec ?? {};
  const secret = (name: string | undefined): TargetView | undefined => {
    if (!name) return undefined;
    const keys = keysOf(ns, name);
    return { name, ...(keys ? { keys } : {}) };
  };
  switch (kind) {
    case 'ExternalSecret': {
      const target = spec.target as { name?: string } | undefined;
      return secret(target?.name || obj.metadata?.name);
    }
    case 'VaultStaticSecret':
    case 'VaultDynamicSecret':
    case 'VaultPKISecret':
      return secret((spec.destination as { name?: string } | undefined)?.name);
    case 'ClusterExternalSecret': {
      const name = (spec.externalSecretName as string | undefined) || obj.metadata?.name || '';
      const provisioned = obj.status?.provisionedNamespaces;
      const namespaces = Array.isArray(provisioned) ? (provisioned as string[]) : [];
      return {
        name,
        summary: namespaces.length
          ? `ExternalSecret ${name} in ${[...namespaces].sort().join(', ')}`
          : `ExternalSecret ${name} (none provisioned)`,
      };
    }
    default:
      return undefined;
  }
}

function leaseExpiryOf(kind: string, status: Record<string, unknown> | undefined): Date | undefined {
  if (!status) return undefined;
  if (kind === 'VaultDynamicSecret') {
    const at = timestamp(status.leaseExpiry);
    if (at) return at;
    const lease = status.secretLease as { duration?: number } | undefined;
    if (typeof status.lastRenewalTime === 'number' && typeof lease?.duration === 'number' && lease.duration > 0) {
      return new Date((status.lastRenewalTime + lease.duration) * 1000);
    }
  }
  if (kind === 'VaultPKISecret') {
    return timestamp(status.certificateExpiry) ?? unixSeconds(status.expiration);
  }
  return undefined;
}

function nextOf(kind: string, obj: ResourceObject): NextEvent | undefined {
  const spec = obj.spec ?? {};
  const status = obj.status ?? {};
  switch (kind) {
    case 'VaultDynamicSecret': {
      const at = timestamp(status.nextRotation);
      if (at) return { label: status.staticCredsMetaData ? 'rotate' : 'renew', at };
      return undefined;
    }
    case 'VaultPKISecret': {
      const at = timestamp(status.nextRotation);
      return at ? { label: 'rotate', at } : undefined;
    }
    case 'ExternalSecret': {
      if (spec.refreshPolicy === 'CreatedOnce') return { label: 'created once' };
      if (spec.refreshPolicy === 'OnChange') return { label: 'on change' };
      const interval = typeof spec.refreshInterval === 'string' ? spec.refreshInterval : '1h';
      const ms = durationMs(interval);
      if (ms === 0) return { label: 'synced once' };
      const last = timestamp(status.refreshTime);
      if (last && ms !== undefined) return { label: 'refresh', at: new Date(last.getTime() + ms) };
      return { label: 'refresh', rule: `every ${interval}` };
    }
    case 'VaultStaticSecret':
      return typeof spec.refreshAfter === 'string'
        ? { label: 'refresh', rule: `every ${spec.refreshAfter}` }
        : undefined;
    case 'ClusterExternalSecret':
      return typeof spec.refreshTime === 'string'
        ? { label: 'reselect', rule: `every ${spec.refreshTime}` }
        : undefined;
    default:
      return undefined;
  }
}

function timestamp(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function unixSeconds(value: unknown): Date | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? new Date(n * 1000) : undefined;
}

function durationMs(text: string): number | undefined {
  try {
    return parseGoDuration(text);
  } catch {
    return undefined;
  }
}
