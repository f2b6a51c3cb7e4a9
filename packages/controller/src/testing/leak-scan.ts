// Where secret values the tests put into the peers show up in what the controller writes for
// people to read: its log, Events and the statuses of the resources it serves.

import { readFile } from 'node:fs/promises';
import type { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { Obj } from './external-resources.ts';

export interface LeakPlaces {
  logFile: string;
  core: CoreV1Api;
  custom: CustomObjectsApi;
}

const KINDS: Array<[string, string]> = [
  ['externalsecrets', 'ExternalSecret'],
  ['secretstores', 'SecretStore'],
  ['clustersecretstores', 'ClusterSecretStore'],
  ['clusterexternalsecrets', 'ClusterExternalSecret'],
];

/** `"value" in <place>` for each value found, plain or base64. */
export async function findLeaks(at: LeakPlaces, values: string[]): Promise<string[]> {
  if (values.length === 0) return [];
  const places: Array<{ where: string; text: string }> = [];
  places.push({ where: 'controller log', text: await readFile(at.logFile, 'utf8').catch(() => '') });
  const events = await at.core.listEventForAllNamespaces();
  for (const ev of events.items) {
    places.push({
      where: `Event ${ev.metadata?.namespace}/${ev.metadata?.name} (${ev.reason})`,
      text: JSON.stringify([ev.message, ev.reason, ev.action]),
    });
  }
  for (const [plural, kind] of KINDS) {
    const list = (await at.custom.listClusterCustomObject({
      group: 'external.lockstep.dev',
      version: 'v1',
      plural,
    })) as { items: Obj[] };
    for (const item of list.items) {
      places.push({
        where: `${kind} ${item.metadata?.namespace ?? ''}/${item.metadata?.name} status`,
        text: JSON.stringify(item.status ?? {}),
      });
    }
  }
  const found: string[] = [];
  for (const value of values) {
    const forms = [value, Buffer.from(value).toString('base64')];
    for (const place of places) {
      if (forms.some((f) => place.text.includes(f))) found.push(`${JSON.stringify(value)} in ${place.where}`);
    }
  }
  return found;
}
