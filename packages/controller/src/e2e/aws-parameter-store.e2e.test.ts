// ExternalSecrets and PushSecrets over AWS Parameter Store (`service: ParameterStore`) on the
// sandbox's moto, through the real `lockstep` binary: every data source, SecureString,
// versions and labels, GetParameters batching from /metrics, PushSecret ownership and
// deletionPolicy Delete, ESO's documented ParameterStore store with only apiVersion changed,
// bad-input rows and the leak scan. moto cannot throttle, so the controller reaches SSM
// through the sandbox's fault proxy (passing everything until the throttling row).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  DeleteParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  LabelParameterVersionCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { type FaultProxy, faults, motoFromEnv, startFaultProxy } from '@lockstep/sandbox';
import { parse } from 'yaml';
import { counterValue } from '../testing/counter-value.ts';
import { type E2e, REPO, startE2e, userSecret, waitForReady } from '../testing/e2e-harness.ts';
import { EXTERNAL, externalSecret, type Obj, secretStore } from '../testing/external-resources.ts';
import { waitFor } from '../testing/wait-for.ts';

/** AWS's JSON error shape for a throttled call (the SDK reads the name from x-amzn-errortype). */
const THROTTLED = faults.status(400, {
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'ThrottlingException' },
  body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }),
});
/** The region of ESO's documented store (examples/migration/eso/aws-parameterstore.yaml). */
const ESO_REGION = 'eu-central-1';

describe('AWS Parameter Store (moto)', () => {
  const moto = motoFromEnv();
  const ssmIn = (region: string) =>
    new SSMClient({
      endpoint: moto.endpoint,
      region,
      credentials: { accessKeyId: moto.accessKeyId, secretAccessKey: moto.secretAccessKey },
    });
  const ssm = ssmIn(moto.region);
  let proxy: FaultProxy;
  let e: E2e;
  let ns: string;
  let root: string;

  const put = async (name: string, value: string, opts: { type?: string; tags?: object; client?: SSMClient } = {}) => {
    e.rememberSecretValues(value);
    const tags = Object.entries(opts.tags ?? {}).map(([Key, Value]) => ({ Key, Value: String(Value) }));
    await (opts.client ?? ssm).send(
      new PutParameterCommand({
        Name: `${root}/${name}`,
        Value: value,
        Type: (opts.type ?? 'String') as 'String',
        ...(tags.length > 0 ? { Tags: tags } : { Overwrite: true }),
      }),
    );
  };
  const es = (name: string, spec: object, store = 'ssm') =>
    e.apply(externalSecret(ns, name, { secretStoreRef: { name: store }, refreshInterval: '2s', ...spec }));
  const failed = (name: string) =>
    waitForReady(e, { kind: 'ExternalSecret', namespace: ns, name }, 'False', { reason: 'SecretSyncedError' });
  const store = (name: string, region: string) =>
    e.apply(
      secretStore(ns, name, {
        aws: {
          service: 'ParameterStore',
          region,
          auth: {
            secretRef: {
              accessKeyIDSecretRef: { name: 'aws-creds', key: 'access-key' },
              secretAccessKeySecretRef: { name: 'aws-creds', key: 'secret-access-key' },
            },
          },
        },
      }),
    );
  const calls = async (operation: string) =>
    counterValue(await e.controller.metrics(), 'lockstep_provider_requests_total', { provider: 'aws', operation });

  before(async () => {
    proxy = await startFaultProxy({ target: moto.endpoint });
    e = await startE2e({ file: 'ssm', env: { AWS_ENDPOINT_URL_SSM: proxy.url } });
    // Names starting with "ssm" or "aws" are reserved by AWS, so the file's hierarchy starts elsewhere.
    root = `/lockstep-e2e/${e.unique('ps')}`;
    ns = await e.namespace('ssm');
    await userSecret(e, ns, 'aws-creds', { 'access-key': 'testing', 'secret-access-key': 'testing' });
    await store('ssm', moto.region);
    await waitForReady(e, { kind: 'SecretStore', namespace: ns, name: 'ssm' }, 'True');
  });
  after(async () => {
    await e?.stop();
    await proxy?.close();
    for (const region of [moto.region, ESO_REGION]) {
      const client = ssmIn(region);
      // GetParametersByPath answers pages of 10: delete a page at a time until the hierarchy is empty.
      for (let page = 0; page < 20 && root; page++) {
        const listed = await client
          .send(new GetParametersByPathCommand({ Path: root, Recursive: true }))
          .catch(() => ({ Parameters: [] }));
        const names = (listed.Parameters ?? []).map((p) => p.Name as string);
        if (names.length === 0) break;
        await client.send(new DeleteParametersCommand({ Names: names })).catch(() => {});
      }
      client.destroy();
    }
    ssm.destroy();
  });

  test('one ExternalSecret reading 12 parameters makes 2 GetParameters calls (10 names a call)', async () => {
    for (let i = 0; i < 12; i++) await put(`batch/p${i}`, `ssm-batch-value-${i}`);
    const before = { batch: await calls('GetParameters'), single: await calls('GetParameter') };
    await es('batched', {
      refreshInterval: '1h',
      data: Array.from({ length: 12 }, (_, i) => ({ secretKey: `p${i}`, remoteRef: { key: `${root}/batch/p${i}` } })),
    });
    const data = await waitFor('the Secret', () => e.secret(ns, 'batched'));
    assert.deepEqual(data, Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`p${i}`, `ssm-batch-value-${i}`])));
    assert.equal((await calls('GetParameters')) - before.batch, 2);
    assert.equal((await calls('GetParameter')) - before.single, 0);
  });

  test('data with property, SecureString, version and label, Base64; dataFrom extract, find by path, name and tags', async () => {
    await put('db', JSON.stringify({ username: 'ssm-user', password: 'ssm-Passw0rd-1' }));
    await put('db', JSON.stringify({ username: 'ssm-user', password: 'ssm-Passw0rd-2' }));
    await ssm.send(new LabelParameterVersionCommand({ Name: `${root}/db`, ParameterVersion: 1, Labels: ['previous'] }));
    await put('secure', 'ssm-Secure-Token', { type: 'SecureString' });
    await put('encoded', Buffer.from('ssm-decoded-value').toString('base64'));
    e.rememberSecretValues('ssm-decoded-value');
    await put('svc/alpha', 'ssm-alpha-value', { tags: { team: 'payments' } });
    await put('svc/beta', 'ssm-beta-value', { tags: { team: 'search' } });
    await put('svc/deep/gamma', 'ssm-gamma-value', { tags: { team: 'payments' } });
    await es('all-sources', {
      data: [
        { secretKey: 'password', remoteRef: { key: `${root}/db`, property: 'password' } },
        { secretKey: 'first-password', remoteRef: { key: `${root}/db`, property: 'password', version: '1' } },
        { secretKey: 'labelled-password', remoteRef: { key: `${root}/db`, property: 'password', version: 'previous' } },
        { secretKey: 'token', remoteRef: { key: `${root}/secure` } },
        { secretKey: 'decoded', remoteRef: { key: `${root}/encoded`, decodingStrategy: 'Base64' } },
      ],
      dataFrom: [
        { extract: { key: `${root}/db` }, rewrite: [{ regexp: { source: '^', target: 'db_' } }] },
        { find: { path: `${root}/svc` }, rewrite: [{ regexp: { source: '^.*/svc/', target: 'path_' } }] },
        {
          find: { name: { regexp: `^${root}/svc/[a-z]+$` } },
          rewrite: [{ regexp: { source: '^.*/svc/', target: 'name_' } }],
        },
        {
          find: { path: `${root}/svc`, tags: { team: 'payments' } },
          rewrite: [{ regexp: { source: '^.*/', target: 'payments_' } }],
        },
      ],
    });
    const data = await waitFor('the Secret', () => e.secret(ns, 'all-sources'));
    assert.deepEqual(data, {
      password: 'ssm-Passw0rd-2',
      'first-password': 'ssm-Passw0rd-1',
      'labelled-password': 'ssm-Passw0rd-1',
      token: 'ssm-Secure-Token',
      decoded: 'ssm-decoded-value',
      db_username: 'ssm-user',
      db_password: 'ssm-Passw0rd-2',
      path_alpha: 'ssm-alpha-value',
      path_beta: 'ssm-beta-value',
      // find keys are full names: the default key conversion turns the remaining `/` into `_`.
      path_deep_gamma: 'ssm-gamma-value',
      name_alpha: 'ssm-alpha-value',
      name_beta: 'ssm-beta-value',
      payments_alpha: 'ssm-alpha-value',
      payments_gamma: 'ssm-gamma-value',
    });
    await waitForReady(e, { kind: 'ExternalSecret', namespace: ns, name: 'all-sources' }, 'True');

    // A new value reaches the Secret on the next refresh.
    await put('secure', 'ssm-Secure-Token-2', { type: 'SecureString' });
    await waitFor('the new value', async () => (await e.secret(ns, 'all-sources'))?.token === 'ssm-Secure-Token-2');
  });

  test("ESO's documented ParameterStore store (only apiVersion changed) serves an ExternalSecret", async () => {
    const docs = await e.namespace('ssm-eso');
    // The Secret the docs' store names; moto accepts any keys, and assumes the docs' role through its STS.
    await userSecret(e, docs, 'awssm-secret', { 'access-key': 'testing', 'secret-access-key': 'testing' });
    const manifest = parse(readFileSync(join(REPO, 'examples/migration/eso/aws-parameterstore.yaml'), 'utf8')) as Obj;
    assert.equal(manifest.spec.provider.aws.region, ESO_REGION);
    await e.apply({ ...manifest, metadata: { ...manifest.metadata, namespace: docs } });
    await waitForReady(e, { kind: 'SecretStore', namespace: docs, name: 'parameterstore' }, 'True');
    const central = ssmIn(ESO_REGION);
    await put('friendslist', JSON.stringify({ name: { first: 'ssm-Tom' }, friends: [{ first: 'ssm-Dale' }] }), {
      client: central,
    });
    central.destroy();
    await e.apply(
      externalSecret(docs, 'extract-data', {
        secretStoreRef: { name: 'parameterstore' },
        refreshInterval: '1h',
        data: [
          { secretKey: 'my_name', remoteRef: { key: `${root}/friendslist`, property: 'name.first' } },
          { secretKey: 'first_friend', remoteRef: { key: `${root}/friendslist`, property: 'friends.0.first' } },
        ],
      }),
    );
    const data = await waitFor('the Secret', () => e.secret(docs, 'extract-data'));
    assert.deepEqual(data, { my_name: 'ssm-Tom', first_friend: 'ssm-Dale' });
  });

  test('PushSecret creates a tagged parameter, refuses one it did not create, deletes with deletionPolicy Delete', async () => {
    e.rememberSecretValues('ssm-push-Passw0rd', 'ssm-theirs');
    await userSecret(e, ns, 'push-source', { password: 'ssm-push-Passw0rd' });
    const push = (name: string, remoteKey: string, extra: object = {}) =>
      e.apply({
        apiVersion: EXTERNAL,
        kind: 'PushSecret',
        metadata: { name, namespace: ns },
        spec: {
          refreshInterval: '2s',
          secretStoreRefs: [{ name: 'ssm' }],
          selector: { secret: { name: 'push-source' } },
          data: [{ match: { secretKey: 'password', remoteRef: { remoteKey } } }],
          ...extra,
        },
      });
    const value = async (name: string) =>
      (await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true })).catch(() => undefined))?.Parameter
        ?.Value;

    await push('to-ssm', `${root}/pushed`, { deletionPolicy: 'Delete' });
    await waitForReady(e, { kind: 'PushSecret', namespace: ns, name: 'to-ssm' }, 'True', { reason: 'Synced' });
    assert.equal(await value(`${root}/pushed`), 'ssm-push-Passw0rd');
    const tags = await ssm.send(
      new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: `${root}/pushed` }),
    );
    assert.deepEqual(tags.TagList, [{ Key: 'managed-by', Value: 'lockstep' }]);

    await put('theirs', 'ssm-theirs');
    await push('to-theirs', `${root}/theirs`);
    const refused = await waitForReady(e, { kind: 'PushSecret', namespace: ns, name: 'to-theirs' }, 'False', {
      reason: 'Errored',
    });
    assert.match(refused.message ?? '', /parameter ".*\/theirs" already exists and was not created by Lockstep/);
    assert.equal(await value(`${root}/theirs`), 'ssm-theirs');

    await e.custom.deleteNamespacedCustomObject({
      group: 'external.lockstep.dev',
      version: 'v1',
      namespace: ns,
      plural: 'pushsecrets',
      name: 'to-ssm',
    });
    await waitFor('the pushed parameter deleted', async () => (await value(`${root}/pushed`)) === undefined);
  });

  test('bad input: wrong region, missing parameter, property of a parameter that is not JSON', async () => {
    await put('present', 'ssm-present-value');
    await put('not-json', 'ssm-plain-text');
    await store('ssm-wrong-region', 'eu-west-3');
    await waitForReady(e, { kind: 'SecretStore', namespace: ns, name: 'ssm-wrong-region' }, 'True');
    await es('wrong-region', { data: [{ secretKey: 'v', remoteRef: { key: `${root}/present` } }] }, 'ssm-wrong-region');
    await es('missing', { data: [{ secretKey: 'v', remoteRef: { key: `${root}/no-such-parameter` } }] });
    await es('not-json', { data: [{ secretKey: 'v', remoteRef: { key: `${root}/not-json`, property: 'password' } }] });
    assert.match(
      (await failed('wrong-region')).message ?? '',
      /remote secret not found: .*\/present; fix the key or set target\.deletionPolicy/,
    );
    assert.match(
      (await failed('missing')).message ?? '',
      /remote secret not found: .*\/no-such-parameter; fix the key or set target\.deletionPolicy/,
    );
    assert.match(
      (await failed('not-json')).message ?? '',
      /secret ".*\/not-json" is not JSON, so property "password" cannot be selected: remove remoteRef\.property/,
    );
    for (const name of ['wrong-region', 'missing', 'not-json']) {
      assert.equal(await e.secret(ns, name), undefined, `no Secret for ${name}`);
    }
  });

  test('throttling (ThrottlingException through the fault proxy): Ready=False says so, the Secret stays, then recovers', async () => {
    await put('throttled', 'ssm-throttled-value-1');
    await es('throttled', { data: [{ secretKey: 'v', remoteRef: { key: `${root}/throttled` } }] });
    await waitFor('the Secret', async () => (await e.secret(ns, 'throttled'))?.v === 'ssm-throttled-value-1');

    proxy.setFault(THROTTLED, { label: 'ThrottlingException' });
    try {
      await waitFor('Ready=False saying AWS is throttling', async () => {
        const ready = (await e.get(EXTERNAL, 'ExternalSecret', ns, 'throttled'))?.status?.conditions?.find(
          (c: { type: string }) => c.type === 'Ready',
        );
        return ready?.status === 'False' && /AWS is throttling requests/.test(ready.message ?? '');
      });
      assert.equal((await e.secret(ns, 'throttled'))?.v, 'ssm-throttled-value-1', 'the last good Secret stays');
      assert.ok((await e.controller.metrics()).includes('result="Throttled"'));
    } finally {
      proxy.setFault(faults.pass());
    }
    await put('throttled', 'ssm-throttled-value-2');
    await waitFor('recovered', async () => (await e.secret(ns, 'throttled'))?.v === 'ssm-throttled-value-2', 60_000);
  });

  test('no secret value appears in the controller log, Events or statuses', async () => {
    assert.deepEqual(await e.leaks(), []);
  });
});
