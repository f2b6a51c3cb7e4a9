// The ESO documentation manifests of examples/migration/eso (only apiVersion changed from
// ESO's), read for the end-to-end suites that apply them.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO } from './e2e-harness.ts';
import type { Obj } from './external-resources.ts';

export const ESO_DOCS = join(REPO, 'examples/migration/eso');

/** The documents of one example file, in file order. */
export function manifests(file: string): Obj[] {
  return parseAllDocuments(readFileSync(join(ESO_DOCS, file), 'utf8')).map((d) => d.toJS() as Obj);
}

/** The single document of an example file. */
export function only(file: string): Obj {
  const [doc] = manifests(file);
  assert.ok(doc, file);
  return doc;
}

export function inNamespace(obj: Obj, namespace: string): Obj {
  return { ...obj, metadata: { ...obj.metadata, namespace } };
}
