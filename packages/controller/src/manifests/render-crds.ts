// Renders the catalog to the YAML files of crds/ and compares them with what is on disk.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCrd, type CrdSource, crdFileName } from '@lockstep/core';
import { stringify } from 'yaml';
import { crdCatalog } from './crd-catalog.ts';

export const GENERATED_HEADER =
  '# generated, do not edit: `make manifests` writes this file from the TypeBox schemas in packages/*/src/api\n';

export interface RenderedCrd {
  file: string;
  source: CrdSource;
  crd: Record<string, unknown>;
  yaml: string;
}

export function renderCrds(sources: CrdSource[] = crdCatalog()): RenderedCrd[] {
  return sources.map((source) => {
    const crd = buildCrd(source);
    return {
      file: crdFileName(source),
      source,
      crd,
      yaml: GENERATED_HEADER + stringify(crd, { lineWidth: 0, aliasDuplicateObjects: false }),
    };
  });
}

/** Files that differ from the rendering, are missing, or are stale generated files no longer rendered. */
export async function driftedFiles(dir: string, rendered: RenderedCrd[] = renderCrds()): Promise<string[]> {
  const drifted: string[] = [];
  const expected = new Set(rendered.map((r) => r.file));
  for (const r of rendered) {
    const onDisk = await readFile(join(dir, r.file), 'utf8').catch(() => undefined);
    if (onDisk !== r.yaml) drifted.push(r.file);
  }
  const present = await readdir(dir).catch(() => [] as string[]);
  for (const file of present) {
    if (!file.endsWith('.yaml') || expected.has(file)) continue;
    const text = await readFile(join(dir, file), 'utf8');
    if (text.startsWith(GENERATED_HEADER)) drifted.push(file);
  }
  return drifted.sort();
}
