// The generators beside Password and Fake, through the real `lockstep` binary: UUID, SSHKey
// (checked by OpenSSH's ssh-keygen), STSSessionToken and ECRAuthorizationToken against moto,
// ClusterGenerator with its namespace rules, GeneratorState (a rotation's old state is collected;
// a restart generates nothing), and a table of bad input, each Ready=False saying what to fix.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import { findLeaks, requirePeerEnv } from '@lockstep/sandbox';
import type { ControllerUnderTest } from '../testing/controller-under-test.ts';
import { type E2e, startE2e, userSecret, waitForReady } from '../testing/e2e-harness.ts';
import { externalSecret, GENERATORS, type Obj } from '../testing/external-resources.ts';
import { restartController } from '../testing/restart-controller.ts';
import { waitFor } from '../testing/wait-for.ts';

const generator = (namespace: string, kind: string, name: string, spec: object): Obj => ({
  apiVersion: GENERATORS,
  kind,
  metadata: { name, namespace },
  spec,
});
const clusterGenerator = (name: string, spec: object): Obj => ({
  apiVersion: GENERATORS,
  kind: 'ClusterGenerator',
  metadata: { name },
  spec,
});
const fromGenerator = (kind: string, name: string, extra: object = {}) => ({
  refreshInterval: '0',
  dataFrom: [{ sourceRef: { generatorRef: { apiVersion: GENERATORS, kind, name } } }],
  ...extra,
});
const awsKeys = (namespace?: string) => ({
  secretRef: {
    accessKeyIDSecretRef: { name: 'aws-creds', key: 'access-key', ...(namespace ? { namespace } : {}) },
    secretAccessKeySecretRef: { name: 'aws-creds', key: 'secret-access-key', ...(namespace ? { namespace } : {}) },
  },
});

describe('generators: UUID, SSHKey, STSSessionToken, ECRAuthorizationToken, ClusterGenerator, GeneratorState', () => {
  let e: E2e;
  let ns: string;
  let region: string;
  let restarted: ControllerUnderTest | undefined;

  /** Applies an ExternalSecret and answers its Secret once written. */
  const synced = async (namespace: string, name: string, spec: object) => {
    await e.apply(externalSecret(namespace, name, spec));
    await waitForReady(e, { kind: 'ExternalSecret', namespace, name }, 'True');
    const data = await waitFor(`Secret ${namespace}/${name}`, () => e.secret(namespace, name));
    e.rememberSecretValues(...Object.values(data).filter((v) => v.length >= 8));
    return data;
  };

  before(async () => {
    const moto = requirePeerEnv('moto');
    region = moto.AWS_REGION as string;
    e = await startE2e({
      file: 'genmore',
      // ECR's endpoint variable of the SDK (ESO reads AWS_ECR_ENDPOINT); STS is set by the harness.
      env: { AWS_ENDPOINT_URL_ECR: moto.AWS_ENDPOINT_URL_SECRETS_MANAGER as string },
      args: ['--generator-gc-grace-period', '1000'],
    });
    ns = await e.namespace('genmore');
    await userSecret(e, ns, 'aws-creds', { 'access-key': 'testing', 'secret-access-key': 'testing' });
  });
  after(async () => {
    await restarted?.stop();
    await e?.stop();
  });

  test('UUID writes a fresh version 4 UUID under uuid', async () => {
    await e.apply(generator(ns, 'UUID', 'id', {}));
    const data = await synced(ns, 'uuid', fromGenerator('UUID', 'id'));
    assert.match(data.uuid ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  for (const [keyType, keySize, prefix] of [
    ['ed25519', undefined, 'ssh-ed25519'],
    ['rsa', 3072, 'ssh-rsa'],
  ] as const) {
    test(`SSHKey ${keyType}: an OpenSSH private key that ssh-keygen reads back to the publicKey`, async () => {
      await e.apply(
        generator(ns, 'SSHKey', `ssh-${keyType}`, { keyType, ...(keySize ? { keySize } : {}), comment: 'ci@lockstep' }),
      );
      const data = await synced(ns, `ssh-${keyType}`, fromGenerator('SSHKey', `ssh-${keyType}`));
      assert.match(data.publicKey ?? '', new RegExp(`^${prefix} \\S+ ci@lockstep\\n$`));
      const file = join(e.dir, `id-${keyType}`);
      writeFileSync(file, data.privateKey ?? '', { mode: 0o600 });
      const derived = execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' }).trim();
      assert.equal(derived.split(' ').slice(0, 2).join(' '), data.publicKey?.split(' ').slice(0, 2).join(' '));
    });
  }

  test('STSSessionToken answers temporary credentials from moto', async () => {
    await e.apply(generator(ns, 'STSSessionToken', 'sts', { region, auth: awsKeys() }));
    const data = await synced(ns, 'sts', fromGenerator('STSSessionToken', 'sts'));
    assert.deepEqual(Object.keys(data).sort(), ['access_key_id', 'expiration', 'secret_access_key', 'session_token']);
    assert.match(data.access_key_id ?? '', /^[A-Z0-9]{16,}$/);
    assert.ok(Number(data.expiration) > Date.now() / 1000, 'expiration in Unix seconds, in the future');
  });

  test('ECRAuthorizationToken answers the registry login from moto', async () => {
    await e.apply(generator(ns, 'ECRAuthorizationToken', 'ecr', { region, auth: awsKeys() }));
    const data = await synced(ns, 'ecr', fromGenerator('ECRAuthorizationToken', 'ecr'));
    assert.equal(data.username, 'AWS');
    assert.match(data.password ?? '', /-auth-token$/);
    assert.match(data.proxy_endpoint ?? '', /^https:\/\/\d+\.dkr\.ecr\./);
    assert.match(data.expires_at ?? '', /^\d+$/);
  });

  test('a ClusterGenerator serves every namespace its conditions allow, and no other', async () => {
    const allowed = await e.namespace('genmore-cg-a');
    const refused = await e.namespace('genmore-cg-b');
    const open = e.unique('uuid');
    const limited = e.unique('limited');
    await e.apply(clusterGenerator(open, { kind: 'UUID', generator: { uuidSpec: {} } }));
    await e.apply(
      clusterGenerator(limited, { kind: 'UUID', generator: { uuidSpec: {} }, conditions: [{ namespaces: [allowed] }] }),
    );
    const a = await synced(allowed, 'id', fromGenerator('ClusterGenerator', open));
    const b = await synced(refused, 'id', fromGenerator('ClusterGenerator', open));
    assert.notEqual(a.uuid, b.uuid);
    await synced(allowed, 'limited', fromGenerator('ClusterGenerator', limited));
    await e.apply(externalSecret(refused, 'limited', fromGenerator('ClusterGenerator', limited)));
    const c = await waitForReady(e, { kind: 'ExternalSecret', namespace: refused, name: 'limited' }, 'False');
    assert.equal(
      c.message,
      `ClusterGenerator "${limited}" does not allow namespace "${refused}" (see its spec.conditions)`,
    );
    assert.equal(await e.secret(refused, 'limited'), undefined);
  });

  test('a ClusterGenerator reads credentials of a named namespace only for the namespaces its conditions allow', async () => {
    const tenant = await e.namespace('genmore-tenant');
    const open = e.unique('sts-open');
    const guarded = e.unique('sts-guarded');
    const spec = { kind: 'STSSessionToken', generator: { stsSessionTokenSpec: { region, auth: awsKeys(ns) } } };
    await e.apply(clusterGenerator(open, spec));
    await e.apply(clusterGenerator(guarded, { ...spec, conditions: [{ namespaces: [tenant] }] }));
    await e.apply(externalSecret(tenant, 'open', fromGenerator('ClusterGenerator', open)));
    const c = await waitForReady(e, { kind: 'ExternalSecret', namespace: tenant, name: 'open' }, 'False');
    assert.match(
      c.message ?? '',
      new RegExp(`reads credentials from namespace "${ns}" for every namespace: set spec.conditions`),
    );
    const data = await synced(tenant, 'guarded', fromGenerator('ClusterGenerator', guarded));
    assert.ok(data.session_token);
  });

  test('GeneratorState: each rotation records a state and the superseded ones are collected', async () => {
    const gns = await e.namespace('genmore-gs');
    await e.apply(generator(gns, 'Password', 'pw', { length: 24 }));
    await e.apply(externalSecret(gns, 'pw', fromGenerator('Password', 'pw', { refreshInterval: '2s' })));
    const states = async () =>
      (
        (await e.custom.listNamespacedCustomObject({
          group: 'generators.lockstep.dev',
          version: 'v1alpha1',
          plural: 'generatorstates',
          namespace: gns,
        })) as { items: Obj[] }
      ).items;
    const first = await waitFor('the first GeneratorState', async () => (await states())[0]);
    assert.equal(first.metadata?.ownerReferences?.[0]?.kind, 'ExternalSecret');
    assert.deepEqual(first.spec.state.keys, ['password']);
    assert.equal(first.spec.resource.kind, 'Password');
    const password = (await e.secret(gns, 'pw'))?.password ?? '';
    e.rememberSecretValues(password);
    assert.doesNotMatch(JSON.stringify(first), new RegExp(password.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    // Rotations flag it, and the GC (1 s grace here) deletes it; the latest state stays.
    await waitFor(
      'the first state collected',
      async () => !(await states()).some((s) => s.metadata?.name === first.metadata?.name),
      30_000,
    );
    const now = await states();
    assert.ok(
      now.some((s) => !s.spec.garbageCollectionDeadline),
      'the latest state has no deadline',
    );
    await e.remove('external.lockstep.dev/v1', 'ExternalSecret', gns, 'pw');
  });

  describe('bad input', () => {
    const ROWS: Array<{ name: string; objects: (n: string) => Obj[]; spec: object; message: RegExp }> = [
      {
        name: 'RSA key size too small',
        objects: (n) => [generator(n, 'SSHKey', 'small', { keyType: 'rsa', keySize: 1024 })],
        spec: fromGenerator('SSHKey', 'small'),
        message: /SSHKey "small": keySize 1024 is not a usable RSA size: use 2048, 3072 or 4096/,
      },
      {
        name: 'STSSessionToken without auth',
        objects: (n) => [generator(n, 'STSSessionToken', 'noauth', { region })],
        spec: fromGenerator('STSSessionToken', 'noauth'),
        message: /spec\.auth is required: set auth\.secretRef .* never uses the controller's own AWS identity/,
      },
      {
        name: 'ECR Public',
        objects: (n) => [generator(n, 'ECRAuthorizationToken', 'pub', { region, auth: awsKeys(), scope: 'public' })],
        spec: fromGenerator('ECRAuthorizationToken', 'pub'),
        message: /spec\.scope public \(ECR Public\) is not served yet/,
      },
      {
        name: 'a namespaced generator naming another namespace',
        objects: (n) => [generator(n, 'STSSessionToken', 'cross', { region, auth: awsKeys('kube-system') })],
        spec: fromGenerator('STSSessionToken', 'cross'),
        message:
          /a reference names namespace "kube-system"; a generator in namespace ".*" reads only its own namespace/,
      },
      {
        name: 'credentials Secret missing',
        objects: (n) => [
          generator(n, 'STSSessionToken', 'nokeys', {
            region,
            auth: { secretRef: { ...awsKeys().secretRef, accessKeyIDSecretRef: { name: 'no-such', key: 'id' } } },
          }),
        ],
        spec: fromGenerator('STSSessionToken', 'nokeys'),
        message: /no-such/,
      },
      {
        name: 'a generator that does not exist',
        objects: () => [],
        spec: fromGenerator('UUID', 'no-such-uuid'),
        message: /UUID "no-such-uuid" in namespace ".*" not found: create it or fix sourceRef\.generatorRef/,
      },
      {
        name: 'a ClusterGenerator whose generator does not match its kind',
        objects: () => [clusterGenerator('genmore-mismatch', { kind: 'SSHKey', generator: { uuidSpec: {} } })],
        spec: fromGenerator('ClusterGenerator', 'genmore-mismatch'),
        message: /ClusterGenerator "genmore-mismatch": spec\.kind is SSHKey, so spec\.generator needs sshKeySpec/,
      },
    ];

    test('each row is Ready=False with a message that says what to fix, and writes nothing', async () => {
      const bad = await e.namespace('genmore-bad');
      for (const [i, row] of ROWS.entries()) {
        for (const obj of row.objects(bad)) await e.apply(obj);
        await e.apply(externalSecret(bad, `row-${i}`, row.spec));
      }
      for (const [i, row] of ROWS.entries()) {
        const c = await waitForReady(e, { kind: 'ExternalSecret', namespace: bad, name: `row-${i}` }, 'False');
        assert.match(c.message ?? '', row.message, row.name);
        assert.equal(await e.secret(bad, `row-${i}`), undefined, `${row.name}: no Secret`);
      }
      assert.equal(e.secretWrites(bad), 0);
    });

    test('a key type ESO does not have is refused at admission', async () => {
      await assert.rejects(e.apply(generator(ns, 'SSHKey', 'dsa', { keyType: 'dsa' })), (err: unknown) => {
        assert.ok(err instanceof ApiException);
        assert.equal(err.code, 422);
        return true;
      });
    });
  });

  test('a restarted controller generates nothing again', async () => {
    const rns = await e.namespace('genmore-rst');
    await e.apply(generator(rns, 'SSHKey', 'key', { keyType: 'ed25519' }));
    const before = await synced(rns, 'key', fromGenerator('SSHKey', 'key'));
    const writes = e.secretWrites(rns, 'key');
    restarted = await restartController(e);
    assert.deepEqual(await e.secret(rns, 'key'), before, 'the same key pair');
    assert.equal(e.secretWrites(rns, 'key'), writes, 'the Secret was not written again');
    const leaks = await findLeaks({ logFile: restarted.logFile, core: e.core, custom: e.custom }, [
      before.privateKey ?? '',
    ]);
    assert.deepEqual(leaks, []);
  });

  test('no generated value reached a log, an Event or a status', async () => {
    assert.deepEqual(await e.leaks(), []);
  });
});
