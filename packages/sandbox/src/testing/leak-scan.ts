// Where secret values show up in what the controller writes for people to read: its log,
// Events, /metrics and the status of every resource of both models. The values come from two
// places: those a test put into the peers (remembered), and every value of every Secret the
// controller manages, so a suite finds leaks of values it never thought to remember.

import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ApiException,
  type CoreV1Api,
  type CustomObjectsApi,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { parse } from 'yaml';
import { crdCoordinates } from '../control-plane/apply-crds.ts';
import { lockstepRoot } from '../peers/binaries.ts';

// biome-ignore lint/suspicious/noExplicitAny: the scan reads whatever status a kind has
type Obj = { metadata?: any; status?: any };

export interface LeakPlaces {
  core: CoreV1Api;
  custom: CustomObjectsApi;
  /** The controller's log file (a process under test). */
  logFile?: string;
  /** The controller's log as text, for controllers running in-process with a capturing logger. */
  logText?: () => string;
  /** The Prometheus text of the controller's /metrics. */
  metrics?: () => Promise<string>;
}

/** Values shorter than this match ordinary words; the core scrubber uses the same floor. */
const MIN_VALUE_LENGTH = 6;

/**
 * Keys of managed Secrets whose values are public by design: certificates and what VSO puts in
 * a VaultPKISecret's status (serial number, expiration).
 */
const PUBLIC_KEYS = new Set([
  'certificate',
  'issuing_ca',
  'ca_chain',
  'ca.crt',
  'tls.crt',
  'serial_number',
  'expiration',
]);

type CustomKind = ReturnType<typeof crdCoordinates> & { kind: string };

let scannedKinds: CustomKind[] | undefined;

/**
 * Every kind in crds/: both models, generators included, so a new kind is scanned without editing
 * this file. Read on the first scan, not when the package is imported.
 */
function scanned(): CustomKind[] {
  const dir = join(lockstepRoot(), 'crds');
  scannedKinds ??= readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const crd = parse(readFileSync(join(dir, f), 'utf8')) as V1CustomResourceDefinition;
      return { ...crdCoordinates(crd), kind: crd.spec.names.kind };
    });
  return scannedKinds;
}

/** `"value" in <place>` for each value found, plain or base64. */
export async function findLeaks(at: LeakPlaces, values: string[]): Promise<string[]> {
  const needles = [...new Set(values)].filter((v) => v.length >= MIN_VALUE_LENGTH);
  if (needles.length === 0) return [];
  const places = await readablePlaces(at);
  const found: string[] = [];
  for (const value of needles) {
    const forms = [value, Buffer.from(value).toString('base64'), JSON.stringify(value).slice(1, -1)];
    for (const place of places) {
      if (forms.some((f) => place.text.includes(f))) found.push(`${JSON.stringify(preview(value))} in ${place.where}`);
    }
  }
  return found;
}

/**
 * The check to run after every end-to-end file, before its namespaces go: no remembered value
 * and no value of a managed Secret in the log, Events, /metrics or any status. Throws with the
 * places it found.
 */
export async function assertNoLeaks(at: LeakPlaces, remembered: Iterable<string> = []): Promise<void> {
  const values = [...remembered, ...(await managedSecretValues(at.core))];
  const leaks = await findLeaks(at, values);
  if (leaks.length > 0) throw new Error(`secret values leaked:\n  ${leaks.join('\n  ')}`);
}

/** Every value (≥ 6 characters, public keys aside) of every Secret labelled as Lockstep's. */
export async function managedSecretValues(core: CoreV1Api): Promise<string[]> {
  const secrets = await busyRetried(() =>
    core.listSecretForAllNamespaces({ labelSelector: 'lockstep.dev/managed=true' }),
  );
  const values: string[] = [];
  for (const secret of secrets.items) {
    for (const [key, b64] of Object.entries(secret.data ?? {})) {
      if (PUBLIC_KEYS.has(key)) continue;
      const value = Buffer.from(b64, 'base64').toString('utf8');
      if (value.length >= MIN_VALUE_LENGTH) values.push(value);
    }
  }
  return values;
}

async function readablePlaces(at: LeakPlaces): Promise<Array<{ where: string; text: string }>> {
  const places: Array<{ where: string; text: string }> = [];
  if (at.logFile) places.push({ where: 'controller log', text: await readFile(at.logFile, 'utf8').catch(() => '') });
  if (at.logText) places.push({ where: 'controller log', text: at.logText() });
  if (at.metrics) places.push({ where: '/metrics', text: await at.metrics().catch(() => '') });
  const events = await busyRetried(() => at.core.listEventForAllNamespaces());
  for (const ev of events.items) {
    places.push({
      where: `Event ${ev.metadata?.namespace}/${ev.metadata?.name} (${ev.reason})`,
      text: JSON.stringify([ev.message, ev.reason, ev.action]),
    });
  }
  for (const kind of scanned()) {
    for (const item of await listAll(at.custom, kind)) {
      places.push({
        where: `${kind.kind} ${item.metadata?.namespace ?? ''}/${item.metadata?.name} status`,
        text: JSON.stringify(item.status ?? {}),
      });
    }
  }
  return places;
}

async function listAll(custom: CustomObjectsApi, kind: CustomKind): Promise<Obj[]> {
  try {
    const list = (await busyRetried(() =>
      custom.listClusterCustomObject({ group: kind.group, version: kind.version, plural: kind.plural }),
    )) as { items: Obj[] };
    return list.items;
  } catch (err) {
    // A suite may run against a cluster without every CRD installed.
    if (err instanceof ApiException && err.code === 404) return [];
    throw err;
  }
}

/**
 * A kube-apiserver that just came back (a fault suite restarted it or etcd) answers 429
 * "storage is (re)initializing" for a few seconds while its watch caches fill: wait as it asks.
 */
async function busyRetried<T>(call: () => Promise<T>, deadline = Date.now() + 30_000): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 429) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

/** A long value is named by its start, so a failure message does not print a whole key. */
function preview(value: string): string {
  return value.length > 40 ? `${value.slice(0, 37)}...` : value;
}
