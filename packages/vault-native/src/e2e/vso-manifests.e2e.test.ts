import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensureNamespace } from '@lockstep/sandbox';
import { type Harness, readyOf, startHarness, waitFor } from './harness.ts';

const run = promisify(execFile);
const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '../../../../examples/migration/vso');

// The VSO documentation's manifests, with only apiVersion changed, are admitted by the CRDs
// and reconciled: each gets a Ready condition (False with a message where the Vault server
// or role the example names does not exist here).
describe('VSO manifests migrate by changing only apiVersion', () => {
  let h: Harness;
  let kubeconfig: string;
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));

  before(async () => {
    h = await startHarness();
    kubeconfig = join(await mkdtemp(join(tmpdir(), 'vso-')), 'kubeconfig');
    await writeFile(kubeconfig, h.server.kubeconfig());
    for (const ns of ['vso-example', 'demo-ns', 'app', 'tenant-1']) await ensureNamespace(h.kc, ns);
  });
  after(async () => {
    await h?.stop();
  });

  test('at least 10 example manifests exist', () => {
    assert.ok(files.length >= 10, `found ${files.length}`);
  });

  test('kubectl apply admits every manifest and each gets a Ready condition', async () => {
    for (const file of files) {
      const { stdout } = await run('kubectl', [
        '--kubeconfig',
        kubeconfig,
        'apply',
        '-f',
        join(EXAMPLES, file),
        '-o',
        'json',
      ]);
      const obj = JSON.parse(stdout) as { kind: string; metadata: { namespace: string; name: string } };
      assert.match(obj.kind, /^Vault/, file);
      const ready = await waitFor(`a Ready condition on ${file}`, async () =>
        readyOf(await h.getObject(obj.kind, obj.metadata.namespace, obj.metadata.name)),
      );
      assert.ok(ready.reason, `${file}: the condition has a reason`);
      assert.ok(ready.message, `${file}: the condition has a message`);
    }
  });
});
