// Runs `make demo`'s program headless against its own sandbox, as a fresh clone would,
// and reads what a user would read: the table. It must list the synced Secrets' keys and
// must not print a single secret value (read back from OpenBao, moto, the webhook server and
// the Secrets).

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { httpsGet, openBaoApi } from '@lockstep/sandbox';

const DEMO = fileURLToPath(new URL('./demo.ts', import.meta.url));
/** The rows the generic pipeline serves today; the test ends the demo once they are Ready. */
const GENERIC_ROWS = [
  'ExternalSecret demo/app-config-aws',
  'ExternalSecret demo/app-config-vault',
  'ExternalSecret demo/app-db-ssm',
  'ExternalSecret demo/app-smtp-webhook',
  'ExternalSecret payments/billing-api-key',
];
const READY_DEADLINE_MS = 90_000;

describe('make demo (headless)', { timeout: 180_000 }, () => {
  let dir: string;
  let demo: ChildProcess;
  let output = '';
  let exit: Promise<number | null>;
  let exitCode: number | null | undefined;
  let secretValues: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-demo-'));
    demo = spawn(
      process.execPath,
      [DEMO, '--headless', '--duration', '150s', '--interval', '2s', '--dir', join(dir, 'sandbox')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    demo.stdout?.on('data', (c: Buffer) => {
      output += c.toString('utf8');
    });
    demo.stderr?.on('data', (c: Buffer) => {
      output += c.toString('utf8');
    });
    exit = new Promise((resolve) => demo.once('exit', (code) => resolve(code)));
    void exit.then((code) => {
      exitCode = code;
    });

    const deadline = Date.now() + READY_DEADLINE_MS + 60_000; // + the sandbox's start
    await until(() => exitCode !== undefined || (rowsReady(lastSnapshot(output)) ?? false) || Date.now() > deadline);
    assert.equal(exitCode, undefined, `the demo ended early:\n${output}`);
    // Read every secret value while the peers still run, to look for them in the output.
    secretValues = await readSecretValues(join(dir, 'sandbox'));
    demo.kill('SIGTERM');
    await Promise.race([exit, timeout(60_000)]);
  });

  after(async () => {
    // SIGTERM first: a killed demo could not stop its peers.
    if (exitCode === undefined) demo.kill('SIGTERM');
    await Promise.race([exit, timeout(40_000)]);
    if (exitCode === undefined) demo.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('stops the controller and the sandbox on SIGTERM and exits 0 after a final snapshot', () => {
    assert.equal(exitCode, 0, output);
    assert.match(output, /=== final snapshot /);
    assert.match(output, /\nstopped\n/);
  });

  it('shows the AWS and OpenBao KV ExternalSecrets Ready with their Secret keys', () => {
    const table = lastSnapshot(output);
    assert.match(
      row(table, 'ExternalSecret demo/app-config-aws'),
      /generic +True SecretSynced +app-config-aws: password, username /,
    );
    assert.match(
      row(table, 'ExternalSecret demo/app-config-vault'),
      /generic +True SecretSynced +app-config-vault: password, url, username /,
    );
    assert.match(row(table, 'ExternalSecret payments/billing-api-key'), /True SecretSynced +billing-api-key: api-key /);
    assert.match(row(table, 'SecretStore demo/aws'), /True/);
    assert.match(row(table, 'SecretStore demo/vault'), /True/);
  });

  it('shows the Parameter Store and Webhook ExternalSecrets Ready with their Secret keys', () => {
    const table = lastSnapshot(output);
    assert.match(
      row(table, 'ExternalSecret demo/app-db-ssm'),
      /generic +True SecretSynced +app-db-ssm: db-host, db-password /,
    );
    assert.match(
      row(table, 'ExternalSecret demo/app-smtp-webhook'),
      /generic +True SecretSynced +app-smtp-webhook: password, username /,
    );
    assert.match(row(table, 'SecretStore demo/ssm'), / generic +True /);
    assert.match(row(table, 'SecretStore demo/webhook'), / generic +True /);
  });

  it('lists every demo resource of both models, each with an honest Ready column', () => {
    const table = lastSnapshot(output);
    for (const name of [
      'ClusterSecretStore aws-shared',
      'ClusterExternalSecret shared-api-key',
      'VaultConnection demo/default',
      'VaultAuth demo/default',
      'VaultStaticSecret demo/api-key',
      'VaultDynamicSecret demo/db-creds',
      'VaultPKISecret demo/web-tls',
    ]) {
      const line = row(table, name);
      assert.match(line, name.startsWith('Vault') ? / vault-native / : / generic /);
      // Ready comes from the resource's status; without one the row says why, never "True".
      const ready = /^(True|False|Unknown|-) ?(\S*)/.exec(line.split(/ (?:generic|vault-native) +/)[1] ?? '');
      assert.ok(ready, line);
      if (ready[1] === '-') assert.match(ready[2] ?? '', /^(NotServed|Pending)$/, line);
    }
  });

  it('prints no secret value, plain or base64, anywhere in its output', () => {
    assert.ok(secretValues.length >= 12, `read only ${secretValues.length} secret values`);
    for (const value of secretValues) {
      assert.ok(!output.includes(value), 'a secret value appears in the demo output');
      assert.ok(!output.includes(Buffer.from(value).toString('base64')), 'a base64 secret value appears');
    }
  });
});

function lastSnapshot(text: string): string {
  const parts = text.split(/^=== (?:final )?snapshot .*===$/m);
  return parts.length > 1 ? (parts.at(-1) ?? '') : '';
}

function rowsReady(table: string): boolean | undefined {
  if (!table) return undefined;
  return GENERIC_ROWS.every((name) => / True /.test(row(table, name)));
}

function row(table: string, resource: string): string {
  return table.split('\n').find((l) => l.startsWith(`${resource} `)) ?? '';
}

/**
 * Values seeded in OpenBao, moto (Secrets Manager and Parameter Store) and the webhook
 * server, the sandbox's own tokens and passwords, and every value of the Secrets in the
 * demo namespaces. Values shorter than 8 characters (the
 * username `app`) are left out: they occur in resource names by design.
 */
async function readSecretValues(sandboxDir: string): Promise<string[]> {
  const env = parseEnvFile(await readFile(join(sandboxDir, 'env'), 'utf8'));
  const values: string[] = [env.BAO_TOKEN ?? '', env.PGPASSWORD ?? '', env.LOCKSTEP_WEBHOOK_TOKEN ?? ''];

  const bao = openBaoApi(env.BAO_ADDR ?? '', env.BAO_TOKEN);
  for (const path of ['app/config', 'app/api-key']) {
    const v2 = await bao.read(`kv/data/${path}`);
    values.push(...Object.values((v2.data?.data ?? {}) as Record<string, string>));
    const v1 = await bao.read(`kv-v1/${path}`);
    values.push(...Object.values((v1.data ?? {}) as Record<string, string>));
  }

  const withFields = (text: string) => {
    values.push(text);
    try {
      values.push(...Object.values(JSON.parse(text) as Record<string, string>).map(String));
    } catch {
      // not JSON: the whole string is the value
    }
  };
  for (const name of ['lockstep/app/config', 'lockstep/app/api-key']) {
    const answer = await moto(env, 'secretsmanager', 'secretsmanager.GetSecretValue', { SecretId: name });
    withFields(String((answer as { SecretString?: string }).SecretString ?? ''));
  }
  for (const name of ['/lockstep/app/db-host', '/lockstep/app/db-password']) {
    const answer = await moto(env, 'ssm', 'AmazonSSM.GetParameter', { Name: name, WithDecryption: true });
    values.push(String((answer as { Parameter?: { Value?: string } }).Parameter?.Value ?? ''));
  }
  withFields(await webhookAnswer(env, 'app/smtp'));

  const kc = new KubeConfig();
  kc.loadFromFile(join(sandboxDir, 'kubeconfig'));
  const core = kc.makeApiClient(CoreV1Api);
  for (const namespace of ['demo', 'payments', 'lockstep-system']) {
    const list = await core.listNamespacedSecret({ namespace });
    for (const s of list.items) {
      for (const v of Object.values(s.data ?? {})) values.push(Buffer.from(v, 'base64').toString('utf8'), v);
    }
  }
  return [...new Set(values.filter((v) => v.length >= 8))];
}

/** One call of moto's JSON protocol; moto routes by the credential scope and checks no signature. */
async function moto(env: Record<string, string>, service: string, target: string, body: object): Promise<unknown> {
  const res = await fetch(env.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? '', {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': target,
      authorization: `AWS4-HMAC-SHA256 Credential=${env.AWS_ACCESS_KEY_ID}/20260101/${env.AWS_REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, `moto ${target} ${JSON.stringify(body)}`);
  return res.json();
}

/** What the sandbox's webhook server answers for `key`, over HTTPS with its CA and token. */
async function webhookAnswer(env: Record<string, string>, key: string): Promise<string> {
  const res = await httpsGet(`${env.LOCKSTEP_WEBHOOK_URL}/secrets/${encodeURIComponent(key)}`, {
    ca: await readFile(env.LOCKSTEP_WEBHOOK_CA_FILE ?? '', 'utf8'),
    headers: { authorization: `Bearer ${env.LOCKSTEP_WEBHOOK_TOKEN}` },
  });
  assert.equal(res.status, 200, `webhook ${key}`);
  return res.body;
}

function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^export ([A-Z0-9_]+)='((?:[^']|'\\'')*)'$/gm)) {
    env[m[1] ?? ''] = (m[2] ?? '').replaceAll(`'\\''`, "'");
  }
  return env;
}

async function until(done: () => boolean): Promise<void> {
  while (!done()) await sleep(500);
}

/** A bound for a race that does not keep the test process alive once the race is won. */
function timeout(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
