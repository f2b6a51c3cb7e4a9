// `--namespace` (repeatable) through the real binary: two controllers on one API server,
// each scoped to its own namespaces, serve only their own ExternalSecrets and never fight.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ControllerUnderTest, startControllerUnderTest } from '../testing/controller-under-test.ts';
import { type E2e, refreshedTwice, startE2e, waitForReady } from '../testing/e2e-harness.ts';
import { EXTERNAL, externalSecret, secretStore } from '../testing/external-resources.ts';
import { waitFor } from '../testing/wait-for.ts';

const VAULT = 'vault.lockstep.dev/v1beta1';

describe('--namespace watch scope', () => {
  let e: E2e;
  let second: ControllerUnderTest;
  const [a1, a2, b, outside] = ['scope-a1', 'scope-a2', 'scope-b', 'scope-outside'];

  before(async () => {
    e = await startE2e({ file: 'scope', watchNamespaces: [a1, a2], args: ['--enable-vault-native'] });
    await e.core.createNamespace({ body: { metadata: { name: b } } });
    await e.core.createNamespace({ body: { metadata: { name: outside } } });
    second = startControllerUnderTest({
      kubeconfigPath: e.kubeconfigPath,
      controllerNamespace: e.controllerNamespace,
      logFile: join(e.dir, 'second-controller.log'),
      namespaces: [b],
      args: ['--enable-generic'],
    });
    await second.ready();
  });
  after(async () => {
    await second?.stop();
    await e?.stop();
  });

  test('each controller serves the namespaces it watches and nothing else', async () => {
    for (const ns of [a1, a2, b, outside]) {
      e.rememberSecretValues(`scope-value-${ns}`);
      await e.apply(secretStore(ns, 'fake', { fake: { data: [{ key: 'k', value: `scope-value-${ns}` }] } }));
      await e.apply(
        externalSecret(ns, 'es', {
          refreshInterval: '1s',
          secretStoreRef: { name: 'fake' },
          data: [{ secretKey: 'k', remoteRef: { key: 'k' } }],
        }),
      );
    }
    for (const ns of [a1, a2, b]) {
      assert.deepEqual(await waitFor(`the Secret in ${ns}`, () => e.secret(ns, 'es')), { k: `scope-value-${ns}` });
      await waitForReady(e, { kind: 'ExternalSecret', namespace: ns, name: 'es' }, 'True');
    }
    // Two controllers on one API server: each Secret written once, never rewritten by the other.
    await refreshedTwice(e, a1, 'es');
    await refreshedTwice(e, b, 'es');
    for (const ns of [a1, a2, b]) assert.equal(e.secretWrites(ns), 1, `writes to Secrets in ${ns}`);
    // Nobody watches this namespace: no status, no Secret.
    assert.equal((await e.get(EXTERNAL, 'ExternalSecret', outside, 'es'))?.status, undefined);
    assert.equal(await e.secret(outside, 'es'), undefined);
    assert.equal(e.secretWrites(outside), 0);
  });

  test('the Vault-native kinds keep to the same scope', async () => {
    const staticSecret = (ns: string) => ({
      apiVersion: VAULT,
      kind: 'VaultStaticSecret',
      metadata: { name: 'kv', namespace: ns },
      spec: { mount: 'secret', type: 'kv-v2', path: 'app', destination: { name: 'kv', create: true } },
    });
    for (const ns of [a1, outside]) await e.apply(staticSecret(ns));
    // No VaultAuth exists anywhere: the watched one reports that, the other is never touched.
    await waitForReady(e, { apiVersion: VAULT, kind: 'VaultStaticSecret', namespace: a1, name: 'kv' }, 'False');
    await refreshedTwice(e, a1, 'es');
    assert.equal((await e.get(VAULT, 'VaultStaticSecret', outside, 'kv'))?.status, undefined);
  });

  test('no secret value appears in the controller log, Events or statuses', async () => {
    assert.deepEqual(await e.leaks(), []);
  });
});
