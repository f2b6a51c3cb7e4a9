// `node packages/controller/src/manifests/generate-crds.ts [--check] [--dir crds]`
// Writes crds/*.yaml from the TypeBox schemas, or with --check lists drifted files and
// exits 1 (CI and `make manifests` use it).

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { driftedFiles, renderCrds } from './render-crds.ts';

const repoRoot = resolve(import.meta.dirname, '../../../..');
const { values } = parseArgs({
  options: { check: { type: 'boolean', default: false }, dir: { type: 'string', default: join(repoRoot, 'crds') } },
});
const dir = resolve(values.dir);
const rendered = renderCrds();
const drifted = await driftedFiles(dir, rendered);

if (values.check) {
  if (drifted.length > 0) {
    process.stderr.write(
      `CRDs out of date with their schemas (run \`make manifests\`):\n${drifted.map((f) => `  ${f}\n`).join('')}`,
    );
    process.exit(1);
  }
  process.stdout.write(`${rendered.length} CRDs up to date in ${dir}\n`);
} else {
  await mkdir(dir, { recursive: true });
  const current = new Set(rendered.map((r) => r.file));
  for (const file of drifted) {
    if (!current.has(file)) await rm(join(dir, file));
  }
  for (const r of rendered) await writeFile(join(dir, r.file), r.yaml);
  process.stdout.write(`wrote ${rendered.length} CRDs to ${dir} (${drifted.length} changed)\n`);
}
