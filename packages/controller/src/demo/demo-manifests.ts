// Loads examples/demo (files in name order, documents in file order), fills in the
// sandbox's addresses and applies each object with server-side apply, so a second run
// against the same cluster converges instead of failing on "already exists".

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type KubeConfig, type KubernetesObject, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

export const DEMO_FIELD_MANAGER = 'lockstep-demo';

/** `${NAME}` placeholders; every one must have a value, so a typo fails before anything is applied. */
export function substitute(text: string, vars: Readonly<Record<string, string>>, source = 'manifest'): string {
  return text.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`${source}: no value for \${${name}}`);
    return value;
  });
}

export async function loadDemoManifests(
  dir: string,
  vars: Readonly<Record<string, string>>,
): Promise<KubernetesObject[]> {
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const objects: KubernetesObject[] = [];
  for (const file of files) {
    const path = join(dir, file);
    const text = substitute(await readFile(path, 'utf8'), vars, path);
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]?.message}`);
      const obj = doc.toJS() as KubernetesObject | null;
      if (!obj) continue;
      if (!obj.apiVersion || !obj.kind || !obj.metadata?.name) {
        throw new Error(`${path}: every document needs apiVersion, kind and metadata.name`);
      }
      objects.push(obj);
    }
  }
  return objects;
}

export async function applyManifests(kc: KubeConfig, objects: readonly KubernetesObject[]): Promise<void> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  for (const obj of objects) {
    try {
      await client.patch(obj, undefined, undefined, DEMO_FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    } catch (err) {
      const ns = obj.metadata?.namespace ? `${obj.metadata.namespace}/` : '';
      const body = (err as { body?: unknown }).body;
      const detail = typeof body === 'string' ? body : (err as Error).message;
      throw new Error(`applying ${obj.kind} ${ns}${obj.metadata?.name} failed: ${detail}`, { cause: err });
    }
  }
}
