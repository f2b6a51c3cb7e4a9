// A table of malformed or unsatisfiable resources, all applied to one running controller:
// each gets Ready=False with a reason and a message that says what to fix (or, when the
// CRD schema catches it, a 422 at admission); the controller keeps serving the good ones
// and never touches Secrets it already wrote.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import { type E2e, startE2e, userSecret, waitForReady } from '../testing/e2e-harness.ts';
import {
  awsProvider,
  EXTERNAL,
  externalSecret,
  GENERATORS,
  type Obj,
  secretStore,
} from '../testing/external-resources.ts';
import { readyOf } from '../testing/ready-condition.ts';
import { waitFor } from '../testing/wait-for.ts';

const BIG = 'x'.repeat(120 * 1024);
const FAKE = [
  { key: 'db', value: '{"username":"bad-input-user","password":"bad-input-Passw0rd"}' },
  { key: 'plain', value: 'bad-input-plain-text' },
  { key: 'big', value: BIG },
];

interface Row {
  /** What is wrong, in the words a user would use. */
  name: string;
  /** Objects to create first (stores, ConfigMaps…), in the row's namespace. */
  setup?: (ns: string) => Obj[];
  /** The ExternalSecret spec (the `fake` SecretStore unless it names another). */
  spec?: object;
  /** When the row is about a store, not an ExternalSecret. */
  store?: Obj;
  reason: string;
  message: RegExp;
}

const fake = { secretStoreRef: { name: 'fake' } };
const one = (remoteRef: object) => ({ ...fake, data: [{ secretKey: 'k', remoteRef }] });

const ROWS: Row[] = [
  {
    name: 'store that does not exist',
    spec: { secretStoreRef: { name: 'no-such-store' }, data: [{ secretKey: 'k', remoteRef: { key: 'db' } }] },
    reason: 'SecretSyncedError',
    message: /SecretStore "no-such-store" not found in namespace ".*": create it or fix secretStoreRef/,
  },
  {
    name: 'ClusterSecretStore that does not exist',
    spec: {
      secretStoreRef: { name: 'no-such-cluster-store', kind: 'ClusterSecretStore' },
      data: [{ secretKey: 'k', remoteRef: { key: 'db' } }],
    },
    reason: 'SecretSyncedError',
    message: /ClusterSecretStore "no-such-cluster-store" not found/,
  },
  {
    name: 'no secretStoreRef and no sourceRef',
    spec: { data: [{ secretKey: 'k', remoteRef: { key: 'db' } }] },
    reason: 'SecretSyncedError',
    message: /spec\.secretStoreRef is required/,
  },
  {
    name: 'remote key that does not exist (deletionPolicy Retain)',
    spec: one({ key: 'missing-key' }),
    reason: 'SecretSyncedError',
    message: /remote secret not found: missing-key; fix the key or set target\.deletionPolicy/,
  },
  {
    name: 'property missing from a JSON value',
    spec: one({ key: 'db', property: 'no-such-property' }),
    reason: 'SecretSyncedError',
    message: /no-such-property/,
  },
  {
    name: 'property asked of a value that is not JSON',
    spec: one({ key: 'plain', property: 'field' }),
    reason: 'SecretSyncedError',
    message: /secret "plain" is not JSON, so property "field" cannot be selected: remove remoteRef\.property/,
  },
  {
    name: 'extract of a value that is not a JSON object',
    spec: { ...fake, dataFrom: [{ extract: { key: 'plain' } }] },
    reason: 'SecretSyncedError',
    message: /plain.*(JSON|json)/,
  },
  {
    name: 'rewrite that produces a key that is not a valid Secret key',
    spec: { ...fake, dataFrom: [{ extract: { key: 'db' }, rewrite: [{ regexp: { source: '^.*$', target: '' } }] }] },
    reason: 'SecretSyncedError',
    message: /a Secret key must not be empty: check the secretKey and the rewrites that rename keys/,
  },
  {
    name: 'find with a bad regular expression',
    spec: { ...fake, dataFrom: [{ find: { name: { regexp: '([a-z' } } }] },
    reason: 'SecretSyncedError',
    message: /find\.name\.regexp "\(\[a-z": invalid regular expression/,
  },
  {
    name: 'find with a backreference (not in RE2/Go syntax)',
    spec: { ...fake, dataFrom: [{ find: { name: { regexp: '(d)\\1' } } }] },
    reason: 'SecretSyncedError',
    message: /backreferences are not supported; patterns use RE2 \(Go regexp\) syntax/,
  },
  {
    name: 'find without any criteria',
    spec: { ...fake, dataFrom: [{ find: {} }] },
    reason: 'SecretSyncedError',
    message: /find/,
  },
  {
    name: 'rewrite with a bad regular expression',
    spec: { ...fake, dataFrom: [{ extract: { key: 'db' }, rewrite: [{ regexp: { source: '(', target: 'x' } }] }] },
    reason: 'SecretSyncedError',
    message: /rewrite\[0\]\.regexp\.source: invalid regular expression: missing closing \)/,
  },
  {
    name: 'template that does not parse',
    spec: { ...one({ key: 'db', property: 'password' }), target: { template: { data: { out: '{{ .k ' } } } },
    reason: 'SecretSyncedError',
    message: /data\.out/,
  },
  {
    name: 'template that names a value that does not exist',
    spec: { ...one({ key: 'db', property: 'password' }), target: { template: { data: { out: '{{ .nope }}' } } } },
    reason: 'SecretSyncedError',
    message: /nope/,
  },
  {
    name: 'template calling a function that does not exist',
    spec: { ...one({ key: 'db', property: 'password' }), target: { template: { data: { out: '{{ .k | env }}' } } } },
    reason: 'SecretSyncedError',
    message: /env/,
  },
  {
    name: 'templateFrom ConfigMap that does not exist',
    spec: {
      ...one({ key: 'db', property: 'password' }),
      target: { template: { templateFrom: [{ configMap: { name: 'no-such-cm', items: [{ key: 'a' }] } }] } },
    },
    reason: 'SecretSyncedError',
    message: /template ConfigMap "no-such-cm" in namespace ".*" not found: create it or fix templateFrom/,
  },
  {
    name: 'templateFrom literal that does not render a map',
    spec: {
      ...one({ key: 'db', property: 'password' }),
      target: { template: { templateFrom: [{ literal: '- just\n- a list' }] } },
    },
    reason: 'SecretSyncedError',
    message: /templateFrom\[0\] must render a YAML map of keys to values/,
  },
  {
    name: 'Base64 decoding of a value that is not Base64',
    spec: one({ key: 'plain', decodingStrategy: 'Base64' }),
    reason: 'SecretSyncedError',
    message: /value of "k" is not valid Base64/,
  },
  {
    name: 'result larger than the 1 MiB a Secret can hold',
    spec: {
      ...fake,
      data: Array.from({ length: 10 }, (_, i) => ({ secretKey: `big-${i}`, remoteRef: { key: 'big' } })),
    },
    reason: 'SecretSyncedError',
    message: /more than the 1048576 \(1 MiB\) a Kubernetes Secret can hold: select fewer or smaller keys/,
  },
  {
    name: 'generator that does not exist',
    spec: { dataFrom: [{ sourceRef: { generatorRef: { kind: 'Password', name: 'no-such-password' } } }] },
    reason: 'SecretSyncedError',
    message: /Password "no-such-password" in namespace ".*" not found: create it or fix sourceRef\.generatorRef/,
  },
  {
    name: 'VaultDynamicSecret generator that does not exist (the lease engine path)',
    spec: { dataFrom: [{ sourceRef: { generatorRef: { kind: 'VaultDynamicSecret', name: 'db' } } }] },
    reason: 'SecretSyncedError',
    message: /VaultDynamicSecret "db" in namespace ".*" not found: create it or fix sourceRef\.generatorRef/,
  },
  {
    name: 'creationPolicy Merge with no Secret to merge into',
    spec: { ...one({ key: 'plain' }), target: { name: 'not-there', creationPolicy: 'Merge' } },
    reason: 'SecretMissing',
    message: /Secret "not-there" does not exist; creationPolicy Merge only adds keys to an existing Secret/,
  },
  {
    name: 'target Secret that exists and belongs to someone else',
    setup: (ns) => [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'someone-elses', namespace: ns }, data: { mine: 'eQ==' } },
    ],
    spec: { ...one({ key: 'plain' }), target: { name: 'someone-elses' } },
    reason: 'SecretSyncedError',
    message: /Secret "someone-elses" already exists and was not created by Lockstep for this ExternalSecret/,
  },
  {
    name: 'provider authentication failure (OpenBao refuses the token)',
    setup: (ns) => [
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'bad-token', namespace: ns },
        data: { token: Buffer.from('not-a-real-token').toString('base64') },
      },
      secretStore(ns, 'bad-auth', {
        vault: {
          server: process.env.BAO_ADDR ?? 'http://127.0.0.1:1',
          path: 'secret',
          auth: { tokenSecretRef: { name: 'bad-token', key: 'token' } },
        },
      }),
    ],
    spec: { secretStoreRef: { name: 'bad-auth' }, data: [{ secretKey: 'k', remoteRef: { key: 'app' } }] },
    reason: 'SecretSyncedError',
    message: /permission denied|forbidden|403|invalid token/i,
  },
  {
    name: 'store whose credentials Secret does not exist',
    setup: (ns) => [secretStore(ns, 'no-creds', awsProvider('us-east-1', 'no-such-secret'))],
    spec: { secretStoreRef: { name: 'no-creds' }, data: [{ secretKey: 'k', remoteRef: { key: 'app' } }] },
    reason: 'SecretSyncedError',
    message: /Secret "no-such-secret".*the store's credentials reference needs it/,
  },
  {
    name: 'store spec the provider cannot use (kubernetes server over http)',
    setup: (ns) => [
      secretStore(ns, 'http-kube', {
        kubernetes: { server: { url: 'http://127.0.0.1:1' }, auth: { serviceAccount: { name: 'default' } } },
      }),
    ],
    spec: { secretStoreRef: { name: 'http-kube' }, data: [{ secretKey: 'k', remoteRef: { key: 'app' } }] },
    reason: 'SecretSyncedError',
    message: /server\.url must be an https:\/\/ URL/,
  },
  {
    name: 'target name that is not a valid Secret name',
    spec: { ...one({ key: 'plain' }), target: { name: 'Not_A_Valid_Name' } },
    reason: 'SecretSyncedError',
    message: /Not_A_Valid_Name/,
  },
];

/** Rejected by the CRD schema before the controller sees them: the 422 says what is wrong. */
const ADMISSION: Array<{ name: string; spec: object; message: RegExp }> = [
  {
    name: 'secretStoreRef of the wrong kind',
    spec: { secretStoreRef: { name: 'x', kind: 'Vault' }, data: [{ secretKey: 'k', remoteRef: { key: 'k' } }] },
    message: /secretStoreRef\.kind/,
  },
  {
    name: 'refreshInterval that is not a duration',
    spec: { ...one({ key: 'k' }), refreshInterval: 'soon' },
    message: /refreshInterval/,
  },
  {
    name: 'generator kind that does not exist',
    spec: { dataFrom: [{ sourceRef: { generatorRef: { kind: 'Dice', name: 'd' } } }] },
    message: /generatorRef\.kind/,
  },
  {
    name: 'secretKey that is not a valid Secret key',
    spec: { ...fake, data: [{ secretKey: 'bad key', remoteRef: { key: 'k' } }] },
    message: /secretKey/,
  },
  {
    name: 'creationPolicy that does not exist',
    spec: { ...one({ key: 'k' }), target: { creationPolicy: 'Sometimes' } },
    message: /creationPolicy/,
  },
];

describe('bad input', () => {
  let e: E2e;
  let ns: string;

  before(async () => {
    e = await startE2e({ file: 'badinput' });
    e.rememberSecretValues(
      ...FAKE.filter((d) => d.key !== 'big').map((d) => d.value),
      'bad-input-user',
      'bad-input-Passw0rd',
    );
    ns = await e.namespace('bad');
    await e.apply(secretStore(ns, 'fake', { fake: { data: FAKE } }));
  });
  after(async () => {
    await e?.stop();
  });

  test(`${ROWS.length} malformed or unsatisfiable resources each get Ready=False with a message that says what to fix`, async () => {
    // A good ExternalSecret synced before the bad ones arrive: its Secret must survive them all.
    await e.apply(
      externalSecret(ns, 'good-before', { ...one({ key: 'db', property: 'password' }), refreshInterval: '1s' }),
    );
    const before = await waitFor('the good Secret', () => e.secret(ns, 'good-before'));
    await userSecret(e, ns, 'bystander', { untouched: 'yes' });

    for (const [i, row] of ROWS.entries()) {
      for (const obj of row.setup?.(ns) ?? []) await e.apply(obj);
      await e.apply(externalSecret(ns, `row-${i}`, { refreshInterval: '1s', ...row.spec }));
    }
    // One that turns bad after it synced keeps its Secret (deletionPolicy Retain).
    await e.apply(externalSecret(ns, 'good-before', { ...one({ key: 'gone-now' }), refreshInterval: '1s' }));
    // And a good one applied after all the bad ones still syncs.
    await e.apply(externalSecret(ns, 'good-after', { ...one({ key: 'plain' }), refreshInterval: '1s' }));
    assert.deepEqual(await waitFor('the good Secret after', () => e.secret(ns, 'good-after')), {
      k: 'bad-input-plain-text',
    });

    const failures: string[] = [];
    for (const [i, row] of ROWS.entries()) {
      let last: Obj | undefined;
      try {
        await waitFor(
          row.name,
          async () => {
            last = await e.get(EXTERNAL, 'ExternalSecret', ns, `row-${i}`);
            const c = readyOf(last);
            return c?.status === 'False' && c.reason === row.reason && row.message.test(c.message ?? '');
          },
          15_000,
        );
      } catch {
        failures.push(`row ${i} (${row.name}): ${JSON.stringify(readyOf(last))}`);
      }
    }
    assert.deepEqual(failures, []);

    await waitForReady(e, { kind: 'ExternalSecret', namespace: ns, name: 'good-before' }, 'False');
    assert.deepEqual(await e.secret(ns, 'good-before'), before, 'an existing Secret stays intact');
    assert.deepEqual(await e.secret(ns, 'bystander'), { untouched: 'yes' });
    assert.deepEqual(await e.secret(ns, 'someone-elses'), { mine: 'y' }, "someone else's Secret is not taken over");
    assert.equal(await e.secret(ns, 'not-there'), undefined, 'Merge never creates');
    assert.equal(e.controller.exitReason(), undefined, 'the controller is still running');
  });

  test('stores that cannot work say why in their own Ready condition', async () => {
    const c = await waitForReady(e, { kind: 'SecretStore', namespace: ns, name: 'http-kube' }, 'False');
    assert.equal(c.reason, 'InvalidProviderConfig');
    assert.match(c.message ?? '', /server\.url must be an https:\/\/ URL/);
    const auth = await waitForReady(e, { kind: 'SecretStore', namespace: ns, name: 'bad-auth' }, 'False');
    assert.match(auth.message ?? '', /permission denied|forbidden|403|invalid token/i);
  });

  test(`${ADMISSION.length} malformed ExternalSecrets are rejected at admission with a 422 that names the field`, async () => {
    for (const [i, row] of ADMISSION.entries()) {
      await assert.rejects(
        e.apply(externalSecret(ns, `admission-${i}`, row.spec)),
        (err: unknown) => {
          assert.ok(err instanceof ApiException, row.name);
          assert.equal(err.code, 422, row.name);
          const body = typeof err.body === 'string' ? err.body : JSON.stringify(err.body);
          assert.match(body, row.message, row.name);
          return true;
        },
        row.name,
      );
    }
  });

  test('a generator that exists is used while the broken rows keep failing', async () => {
    await e.apply({
      apiVersion: GENERATORS,
      kind: 'Password',
      metadata: { name: 'pw', namespace: ns },
      spec: { length: 24, digits: 4, symbols: 2, noUpper: false, allowRepeat: true },
    });
    await e.apply(
      externalSecret(ns, 'generated', {
        dataFrom: [{ sourceRef: { generatorRef: { kind: 'Password', name: 'pw' } } }],
      }),
    );
    const data = await waitFor('the generated password', () => e.secret(ns, 'generated'));
    assert.equal(data.password?.length, 24);
  });

  test('no secret value appears in the controller log, Events or statuses', async () => {
    assert.deepEqual(await e.leaks(), []);
  });
});
