// Issue 12, item 4: AWS Secrets Manager down and back, then throttling, through a fault proxy
// in front of a moto of this file's own (the controller's AWS_ENDPOINT_URL_SECRETS_MANAGER is
// the proxy). ExternalSecrets keep their last good Secret (no write, no delete during the
// faults, from the audit log), say why in Ready=False, and back off (the request rate the
// proxy counted, the SDK's own retries included, stays within what the backoff allows); after
// recovery each changed secret is written once and the unchanged ones not at all.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { defaultBackoff } from '@lockstep/core';
import {
  type FaultProxy,
  type FaultWindow,
  failingRequestBound,
  faults,
  type MotoPeer,
  requestRate,
  secretsManagerClient,
  startFaultProxy,
  startMoto,
} from '@lockstep/sandbox';
import { type E2e, startE2e, userSecret, waitForReady } from '../testing/e2e-harness.ts';
import { awsProvider, EXTERNAL, externalSecret, secretStore } from '../testing/external-resources.ts';
import { readyOf } from '../testing/ready-condition.ts';
import { waitFor } from '../testing/wait-for.ts';

const SECRETS = ['s0', 's1', 's2', 's3'];
/** Changed in AWS while it was unreachable: these, and only these, are written after recovery. */
const CHANGED = new Set(['s0', 's1']);
/** Each fault lasts at least this long, and until every ExternalSecret said why it failed. */
const FAULT_MS = 6_000;
/** The AWS SDK's default (standard retry mode): three attempts per call. */
const SDK_ATTEMPTS = 3;
/** AWS's JSON error shape for a throttled call; the SDK takes the name from x-amzn-errortype or __type, and counts 429 as throttling too. */
const THROTTLED = faults.status(429, {
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'ThrottlingException' },
  body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }),
});

describe('ExternalSecrets while AWS Secrets Manager is down, then throttling', () => {
  let dir: string;
  let moto: MotoPeer;
  let proxy: FaultProxy;
  let e: E2e;
  let ns: string;
  const values = (version: string) =>
    Object.fromEntries(SECRETS.map((s) => [s, `aws-outage-${s}-${version}-${Math.random().toString(36).slice(2)}`]));
  const first = values('v1');
  const second = { ...first, ...Object.fromEntries([...CHANGED].map((s) => [s, values('v2')[s] as string])) };

  const seed = async (peer: MotoPeer, data: Record<string, string>) => {
    const sm = secretsManagerClient(peer);
    for (const [name, value] of Object.entries(data)) {
      await sm.send(new CreateSecretCommand({ Name: `outage/${name}`, SecretString: value }));
    }
    sm.destroy();
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-aws-outage-'));
    moto = await startMoto({ logDir: dir });
    proxy = await startFaultProxy({ target: moto.endpoint });
    e = await startE2e({ file: 'awsout', env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: proxy.url } });
    e.rememberSecretValues(...Object.values(first), ...Object.values(second));
    await seed(moto, first);
    ns = await e.namespace('awsout');
    await userSecret(e, ns, 'aws-creds', { 'access-key': 'testing', 'secret-access-key': 'testing' });
    await e.apply(secretStore(ns, 'aws', awsProvider(moto.region, 'aws-creds')));
    await waitForReady(e, { kind: 'SecretStore', namespace: ns, name: 'aws' }, 'True');
    for (const s of SECRETS) {
      await e.apply(
        externalSecret(ns, s, {
          secretStoreRef: { name: 'aws' },
          refreshInterval: '2s',
          data: [{ secretKey: 'value', remoteRef: { key: `outage/${s}` } }],
        }),
      );
    }
    for (const s of SECRETS) {
      await waitFor(`${s} synced`, async () => (await e.secret(ns, s))?.value === first[s]);
    }
  });

  after(async () => {
    await e?.stop();
    await proxy?.close();
    await moto?.stop();
    if (dir && !process.env.LOCKSTEP_KEEP_E2E) await rm(dir, { recursive: true, force: true });
  });

  const readyOfAll = async () =>
    Promise.all(SECRETS.map(async (s) => readyOf(await e.get(EXTERNAL, 'ExternalSecret', ns, s))));
  const secretValues = async () => Promise.all(SECRETS.map(async (s) => (await e.secret(ns, s))?.value));
  const deletes = () =>
    e.server.requests().filter((r) => r.resource === 'secrets' && r.namespace === ns && r.verb === 'delete').length;

  /** Holds the current window at least FAULT_MS and until every ExternalSecret's Ready=False message matches. */
  async function until(w: FaultWindow, said: RegExp): Promise<void> {
    let seen: string[] = [];
    await waitFor(
      `${w.label}: every ExternalSecret Ready=False saying ${said}`,
      async () => {
        const all = await readyOfAll();
        seen = all.map((c) => `${c?.status} ${c?.message}`);
        return (
          Date.now() - w.startMs >= FAULT_MS && all.every((c) => c?.status === 'False' && said.test(c.message ?? ''))
        );
      },
      45_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; conditions: ${JSON.stringify(seen)}; proxy: ${JSON.stringify(proxy.current())}`);
    });
  }

  test('keeps the last good Secrets, says why, backs off, and writes only what changed after recovery', async () => {
    const goodValues = await secretValues();
    const writesBefore = e.secretWrites(ns);
    const deletesBefore = deletes();

    // moto stopped: the proxy's target refuses, so the proxy resets every connection.
    const down = proxy.setFault(faults.pass(), { label: 'moto stopped' });
    await moto.stop();
    await until(down, /unreachable/i);
    const downReady = await readyOfAll();

    // moto back (a new one, on a new port, the changed values in it), but throttling.
    const throttled = proxy.setFault(THROTTLED, { label: '429 ThrottlingException' });
    moto = await startMoto({ logDir: dir });
    await seed(moto, second);
    proxy.retarget(moto.endpoint);
    await until(throttled, /throttling/i);
    const throttledReady = await readyOfAll();
    const duringFaults = {
      writes: e.secretWrites(ns) - writesBefore,
      deletes: deletes() - deletesBefore,
      values: await secretValues(),
    };

    // Recovery: every ExternalSecret refreshed after it (a positive signal for the unchanged ones too).
    const recovered = proxy.setFault(faults.pass(), { label: 'recovered' });
    await waitFor(
      'every ExternalSecret synced again after recovery',
      async () => {
        const all = await Promise.all(SECRETS.map((s) => e.get(EXTERNAL, 'ExternalSecret', ns, s)));
        return all.every(
          (es) =>
            readyOf(es)?.status === 'True' && Date.parse(es?.status?.refreshTime ?? '') >= recovered.startMs - 1000,
        );
      },
      60_000,
    );
    // refreshTime has second precision: wait for the value itself as well.
    await waitFor('the changed values', async () =>
      (await secretValues()).every((v, i) => v === second[SECRETS[i] as string]),
    );
    const writesAfterRecovery = e.secretWrites(ns) - writesBefore - duringFaults.writes;

    const callers = SECRETS.length + 1; // the ExternalSecrets and their SecretStore
    const figures = [down, throttled].map((w) => {
      const closed = proxy.windows()[w.index] as FaultWindow;
      const ms = (closed.endMs ?? Date.now()) - closed.startMs;
      const bound = failingRequestBound({
        windowMs: ms,
        callers,
        requestsPerRun: SDK_ATTEMPTS,
        backoff: defaultBackoff,
      });
      return {
        window: closed.label,
        seconds: Number((ms / 1000).toFixed(1)),
        requests: closed.requests,
        perSecond: Number(requestRate(closed).toFixed(2)),
        boundPerSecond: Number(bound.perSecond.toFixed(2)),
      };
    });
    console.log(
      `aws-outage figures ${JSON.stringify({
        windows: figures,
        writesDuringFaults: duringFaults.writes,
        deletesDuringFaults: duringFaults.deletes,
        writesAfterRecovery,
        changed: CHANGED.size,
        downMessage: downReady[0]?.message,
        throttledMessage: throttledReady[0]?.message,
      })}`,
    );

    assert.equal(duringFaults.writes, 0, 'no Secret written during the faults');
    assert.equal(duringFaults.deletes, 0, 'no Secret deleted during the faults');
    assert.deepEqual(duringFaults.values, goodValues, 'every Secret kept its last good value');
    for (const f of figures) {
      assert.ok(f.perSecond <= f.boundPerSecond, `${f.window}: ${f.perSecond} req/s, bound ${f.boundPerSecond}`);
    }
    assert.equal(writesAfterRecovery, CHANGED.size, 'one write per changed secret, none for the others');
  });
});
