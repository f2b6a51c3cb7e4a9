// ExternalSecrets over AWS Secrets Manager (the sandbox's moto) through the real `lockstep`
// binary: every data source, refreshes that carry changes and write nothing otherwise,
// drift repair, and BatchGetSecretValue calls bounded by the distinct keys, from /metrics.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { motoFromEnv, requirePeerEnv, secretsManagerClient } from '@lockstep/sandbox';
import { counterValue } from '../testing/counter-value.ts';
import { type E2e, refreshedTwice, startE2e, userSecret, waitForReady } from '../testing/e2e-harness.ts';
import { awsProvider, externalSecret, secretStore } from '../testing/external-resources.ts';
import { CROWD_REFRESH_INTERVAL, measureSharedReads } from '../testing/shared-reads.ts';
import { waitFor } from '../testing/wait-for.ts';

describe('ExternalSecret with AWS Secrets Manager (moto)', () => {
  let e: E2e;
  let sm: SecretsManagerClient;
  let ns: string;
  let prefix: string;
  const put = async (name: string, value: string, tags?: Record<string, string>) => {
    e.rememberSecretValues(value);
    try {
      await sm.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: value,
          ...(tags ? { Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } : {}),
        }),
      );
    } catch (err) {
      if ((err as Error).name !== 'ResourceExistsException') throw err;
      await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
    }
  };
  const es = (name: string, spec: object, namespace = ns) =>
    e.apply(externalSecret(namespace, name, { secretStoreRef: { name: 'aws' }, refreshInterval: '2s', ...spec }));

  const awsStore = async (namespace: string) => {
    await userSecret(e, namespace, 'aws-creds', { 'access-key': 'testing', 'secret-access-key': 'testing' });
    await e.apply(secretStore(namespace, 'aws', awsProvider(requirePeerEnv('moto').AWS_REGION as string, 'aws-creds')));
    await waitForReady(e, { kind: 'SecretStore', namespace, name: 'aws' }, 'True');
  };

  before(async () => {
    sm = secretsManagerClient(motoFromEnv());
    e = await startE2e({ file: 'aws' });
    prefix = e.unique('aws');
    ns = await e.namespace('aws');
    await awsStore(ns);
  });
  after(async () => {
    await e?.stop();
    if (sm && prefix) {
      const listed = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [prefix] }] }));
      for (const s of listed.SecretList ?? []) {
        await sm.send(new DeleteSecretCommand({ SecretId: s.Name, ForceDeleteWithoutRecovery: true })).catch(() => {});
      }
      sm.destroy();
    }
  });

  test('data with property and version stage, dataFrom extract, find by name and by tags, rewrite', async () => {
    await put(`${prefix}/db`, JSON.stringify({ username: 'aws-user', password: 'aws-Passw0rd-old' }));
    await put(`${prefix}/db`, JSON.stringify({ username: 'aws-user', password: 'aws-Passw0rd-current' }));
    await put(`${prefix}/api-key`, 'aws-api-key-0001');
    await put(`${prefix}/svc/alpha`, 'aws-alpha-value', { team: 'payments' });
    await put(`${prefix}/svc/beta`, 'aws-beta-value', { team: 'search' });
    await es('all-sources', {
      data: [
        { secretKey: 'password', remoteRef: { key: `${prefix}/db`, property: 'password' } },
        {
          secretKey: 'previous-password',
          remoteRef: { key: `${prefix}/db`, property: 'password', version: 'AWSPREVIOUS' },
        },
        { secretKey: 'api-key', remoteRef: { key: `${prefix}/api-key` } },
      ],
      dataFrom: [
        { extract: { key: `${prefix}/db` }, rewrite: [{ regexp: { source: '^', target: 'db_' } }] },
        {
          find: { name: { regexp: `^${prefix}/svc/` } },
          rewrite: [{ regexp: { source: '^.*/svc/(.*)$', target: 'svc_$1' } }],
        },
        {
          find: { path: `${prefix}/`, tags: { team: 'payments' } },
          rewrite: [{ regexp: { source: '^.*/', target: 'payments_' } }],
        },
      ],
    });
    const data = await waitFor('the Secret', () => e.secret(ns, 'all-sources'));
    assert.deepEqual(data, {
      password: 'aws-Passw0rd-current',
      'previous-password': 'aws-Passw0rd-old',
      'api-key': 'aws-api-key-0001',
      db_username: 'aws-user',
      db_password: 'aws-Passw0rd-current',
      svc_alpha: 'aws-alpha-value',
      svc_beta: 'aws-beta-value',
      payments_alpha: 'aws-alpha-value',
    });
    await waitForReady(e, { kind: 'ExternalSecret', namespace: ns, name: 'all-sources' }, 'True');
  });

  test('a value changed in AWS reaches the Secret on the next refresh; an unchanged refresh writes nothing', async () => {
    const key = `${prefix}/rotating`;
    await put(key, 'aws-rotating-v1');
    await es('rotating', { data: [{ secretKey: 'value', remoteRef: { key } }] });
    await waitFor('the first value', async () => (await e.secret(ns, 'rotating'))?.value === 'aws-rotating-v1');

    // Two refresh periods with nothing changed in AWS: no write to any Secret of the namespace.
    const writes = e.secretWrites(ns);
    await refreshedTwice(e, ns, 'rotating');
    assert.equal(e.secretWrites(ns) - writes, 0, 'an unchanged refresh writes nothing');

    await put(key, 'aws-rotating-v2');
    await waitFor('the new value', async () => (await e.secret(ns, 'rotating'))?.value === 'aws-rotating-v2', 10_000);
    assert.equal(e.secretWrites(ns) - writes, 1, 'one change, one write');
  });

  test('a Secret edited or deleted by hand is repaired', async () => {
    const key = `${prefix}/guarded`;
    await put(key, 'aws-guarded-value');
    // A long refresh interval: only the drift repair can bring the value back quickly.
    await es('guarded', { refreshInterval: '1h', data: [{ secretKey: 'value', remoteRef: { key } }] });
    await waitFor('the Secret', async () => (await e.secret(ns, 'guarded'))?.value === 'aws-guarded-value');

    const current = await e.core.readNamespacedSecret({ namespace: ns, name: 'guarded' });
    await e.core.replaceNamespacedSecret({
      namespace: ns,
      name: 'guarded',
      body: { ...current, data: { value: Buffer.from('edited-by-hand').toString('base64') } },
    });
    await waitFor(
      'the edit to be repaired',
      async () => (await e.secret(ns, 'guarded'))?.value === 'aws-guarded-value',
    );

    await e.core.deleteNamespacedSecret({ namespace: ns, name: 'guarded' });
    await waitFor(
      'the Secret to be recreated',
      async () => (await e.secret(ns, 'guarded'))?.value === 'aws-guarded-value',
    );
  });

  test('50 ExternalSecrets sharing 5 keys make at most 5 BatchGetSecretValue calls per refresh', async () => {
    const keys = [0, 1, 2, 3, 4].map((i) => `${prefix}/shared/${i}`);
    const { calls, periods, writes } = await measureSharedReads(e, {
      previousNamespace: ns,
      async prepare(crowd) {
        await awsStore(crowd);
        for (const [i, key] of keys.entries()) await put(key, `aws-shared-value-${i}`);
      },
      externalSecret: (crowd, name, key) =>
        es(
          name,
          { refreshInterval: CROWD_REFRESH_INTERVAL, data: [{ secretKey: 'v', remoteRef: { key: keys[key] } }] },
          crowd,
        ),
      calls: async () =>
        counterValue(await e.controller.metrics(), 'lockstep_provider_requests_total', {
          provider: 'aws',
          operation: 'BatchGetSecretValue',
        }),
    });
    assert.ok(calls > 0, 'the refreshes read AWS');
    assert.ok(calls <= 5 * periods, `${calls} BatchGetSecretValue calls in ${periods} refresh periods of 5 keys`);
    assert.equal(writes, 0, 'unchanged values are not written');
  });

  test('no secret value appears in the controller log, Events or statuses', async () => {
    assert.deepEqual(await e.leaks(), []);
  });
});
