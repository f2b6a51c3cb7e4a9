// The azurekv client's ESO semantics over an in-memory KeyVaultApi (our own interface, not the
// SDK's HTTP): object type prefixes, versions, property, metadataPolicy Fetch, find by name and
// tags, and PushSecret ownership.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AccessToken } from '@azure/identity';
import { BackendError } from '@lockstep/core';
import { AzureKeyVaultClient, MANAGED_BY_TAG } from './client.ts';
import type { CertificateObject, KeyObject, KeyVaultApi, SecretObject, SetSecretInput } from './key-vault-api.ts';

const VAULT = 'https://unit.vault.azure.net';
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const created = new Date('2030-01-02T03:04:05.678Z');

class MemoryVault implements KeyVaultApi {
  secrets = new Map<string, (SecretObject & { version: string })[]>();
  keys = new Map<string, KeyObject>();
  certs = new Map<string, CertificateObject>();
  disabled = new Set<string>();
  calls: string[] = [];

  put(name: string, value: string, tags: Record<string, string> = {}, version = `v${Date.now()}`) {
    const versions = this.secrets.get(name) ?? [];
    versions.push({ value, tags, attributes: { createdOn: created }, version });
    this.secrets.set(name, versions);
  }
  async getSecret(name: string, version?: string): Promise<SecretObject> {
    this.calls.push(`get ${name}${version ? `@${version}` : ''}`);
    const versions = this.secrets.get(name);
    const found = version ? versions?.find((v) => v.version === version) : versions?.at(-1);
    if (!found) throw Object.assign(new Error(`A secret with (name/id) ${name} was not found`), notFound);
    return found;
  }
  async *listSecrets() {
    for (const [name, versions] of this.secrets) {
      yield { name, enabled: !this.disabled.has(name), tags: versions.at(-1)?.tags ?? {} };
    }
  }
  async setSecret(name: string, input: SetSecretInput) {
    this.calls.push(`set ${name}`);
    const versions = this.secrets.get(name) ?? [];
    versions.push({
      value: input.value,
      tags: input.tags,
      attributes: input.expiresOn ? { expiresOn: input.expiresOn } : {},
      ...(input.contentType ? { contentType: input.contentType } : {}),
      version: `v${versions.length + 1}`,
    });
    this.secrets.set(name, versions);
  }
  async deleteSecret(name: string) {
    this.calls.push(`delete ${name}`);
    this.secrets.delete(name);
  }
  async getKey(name: string): Promise<KeyObject> {
    const key = this.keys.get(name);
    if (!key) throw Object.assign(new Error('key not found'), notFound);
    return key;
  }
  async getCertificate(name: string): Promise<CertificateObject> {
    const cert = this.certs.get(name);
    if (!cert) throw Object.assign(new Error('certificate not found'), notFound);
    return cert;
  }
}
const notFound = { name: 'RestError', statusCode: 404, code: 'SecretNotFound' };

function clientOver(vault: MemoryVault, getToken: () => Promise<AccessToken | null> = async () => null) {
  const calls: string[] = [];
  const client = new AzureKeyVaultClient({
    api: vault,
    vaultUrl: VAULT,
    credential: { getToken },
    scope: 'https://vault.azure.net/.default',
    onCall: (operation, result) => calls.push(`${operation}:${result}`),
  });
  return { client, calls };
}

async function failure(p: Promise<unknown>): Promise<BackendError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof BackendError, `expected a BackendError, got ${String(err)}`);
    return err;
  }
  return assert.fail('expected a failure');
}

describe('reading', () => {
  test('a key without prefix or with secret/ reads the current secret, a version reads that version', async () => {
    const vault = new MemoryVault();
    vault.put('db', 'old', {}, 'v1');
    vault.put('db', 'new', {}, 'v2');
    const { client, calls } = clientOver(vault);
    assert.equal(text(await client.getSecret({ key: 'db' })), 'new');
    assert.equal(text(await client.getSecret({ key: 'secret/db' })), 'new');
    assert.equal(text(await client.getSecret({ key: 'db', version: 'v1' })), 'old');
    assert.deepEqual(calls, ['GetSecret:success', 'GetSecret:success', 'GetSecret:success']);
  });

  test('property selects a field of a JSON secret; a secret that is not JSON says to remove property', async () => {
    const vault = new MemoryVault();
    vault.put('creds', JSON.stringify({ user: 'app', nested: { port: 5432 } }));
    vault.put('plain', 'not json');
    const { client } = clientOver(vault);
    assert.equal(text(await client.getSecret({ key: 'creds', property: 'user' })), 'app');
    assert.equal(text(await client.getSecret({ key: 'creds', property: 'nested.port' })), '5432');
    const err = await failure(client.getSecret({ key: 'plain', property: 'user' }));
    assert.equal(err.errorClass, 'InvalidInput');
    assert.match(err.message, /not JSON.*remove remoteRef\.property/);
  });

  test('a missing secret is NotFound and names the vault', async () => {
    const { client, calls } = clientOver(new MemoryVault());
    const err = await failure(client.getSecret({ key: 'absent' }));
    assert.equal(err.errorClass, 'NotFound');
    assert.equal(err.message, `Azure Key Vault: secret "absent" in ${VAULT} not found`);
    assert.deepEqual(calls, ['GetSecret:NotFound']);
  });

  test('key/ answers the JWK as JSON (property reads a field); cert/ answers the DER bytes', async () => {
    const vault = new MemoryVault();
    vault.keys.set('signing', { jwk: { kid: 'k1', kty: 'RSA', n: 'AQAB', e: 'AQAB' }, tags: {}, attributes: {} });
    vault.certs.set('tls', { cer: new Uint8Array([0x30, 0x82, 0x01]), tags: {}, attributes: {} });
    const { client } = clientOver(vault);
    assert.deepEqual(JSON.parse(text(await client.getSecret({ key: 'key/signing' }))), {
      kid: 'k1',
      kty: 'RSA',
      n: 'AQAB',
      e: 'AQAB',
    });
    assert.equal(text(await client.getSecret({ key: 'key/signing', property: 'kty' })), 'RSA');
    assert.deepEqual([...(await client.getSecret({ key: 'cert/tls' }))], [0x30, 0x82, 0x01]);
  });

  test('an unknown object type or a name with a slash says what remoteRef.key must look like', async () => {
    const { client } = clientOver(new MemoryVault());
    assert.match((await failure(client.getSecret({ key: 'blob/x' }))).message, /unknown object type "blob"/);
    assert.match((await failure(client.getSecret({ key: 'secret/a/b' }))).message, /must be secret\/<name>/);
  });

  test('metadataPolicy Fetch answers the tags and dates as JSON, or one tag, or a field of a JSON tag', async () => {
    const vault = new MemoryVault();
    vault.put('tagged', 'value', { environment: 'dev', owner: '{"team":"payments"}' });
    const { client } = clientOver(vault);
    assert.deepEqual(JSON.parse(text(await client.getSecret({ key: 'tagged', metadataPolicy: 'Fetch' }))), {
      environment: 'dev',
      owner: '{"team":"payments"}',
      'attribute.created': '2030-01-02T03:04:05Z',
    });
    const tag = (property: string) => client.getSecret({ key: 'tagged', metadataPolicy: 'Fetch', property });
    assert.equal(text(await tag('environment')), 'dev');
    assert.equal(text(await tag('owner.team')), 'payments');
    assert.match((await failure(tag('missing'))).message, /tag "missing" does not exist on "tagged"/);
  });

  test('extract maps a JSON secret; with Fetch it maps the tags as <name>_<tag>; keys and certs are refused', async () => {
    const vault = new MemoryVault();
    vault.put('creds', JSON.stringify({ user: 'app', port: 5432 }), { environment: 'dev', owner: '{"team":"a"}' });
    const { client } = clientOver(vault);
    const asText = (map: Record<string, Uint8Array>) =>
      Object.fromEntries(Object.entries(map).map(([k, v]) => [k, text(v)]));
    assert.deepEqual(asText(await client.getSecretMap({ key: 'creds' })), { user: 'app', port: '5432' });
    assert.deepEqual(asText(await client.getSecretMap({ key: 'creds', metadataPolicy: 'Fetch' })), {
      creds_environment: 'dev',
      creds_owner_team: 'a',
      'creds_attribute.created': '2030-01-02T03:04:05Z',
    });
    assert.match((await failure(client.getSecretMap({ key: 'key/k' }))).message, /reads secrets only.*is a key/);
  });
});

describe('find', () => {
  function vaultForFind() {
    const vault = new MemoryVault();
    vault.put('dev-db', 'a', { environment: 'dev' });
    vault.put('dev-cache', 'b', { environment: 'dev', tier: 'gold' });
    vault.put('prod-db', 'c', { environment: 'prod' });
    vault.put('dev-off', 'd', { environment: 'dev' });
    vault.disabled.add('dev-off');
    return vault;
  }

  test('name.regexp and tags select enabled secrets; each match is read once', async () => {
    const vault = vaultForFind();
    const { client, calls } = clientOver(vault);
    const byName = await client.getAllSecrets({ name: { regexp: '^dev' } });
    assert.deepEqual(Object.keys(byName).sort(), ['dev-cache', 'dev-db']);
    const byTags = await client.getAllSecrets({ tags: { environment: 'dev', tier: 'gold' } });
    assert.deepEqual(Object.keys(byTags), ['dev-cache']);
    assert.equal(text(byTags['dev-cache'] as Uint8Array), 'b');
    assert.equal(calls.filter((c) => c === 'GetSecrets:success').length, 2);
  });

  test('find without criteria, with path, or with a bad regexp is refused before listing', async () => {
    const { client, calls } = clientOver(vaultForFind());
    assert.match((await failure(client.getAllSecrets({}))).message, /needs name\.regexp, tags or path/);
    assert.match((await failure(client.getAllSecrets({ path: 'dev' }))).message, /find\.path is not supported/);
    assert.equal((await failure(client.getAllSecrets({ name: { regexp: '(' } }))).errorClass, 'InvalidInput');
    assert.deepEqual(calls, []);
  });
});

describe('PushSecret', () => {
  const metadata = (spec: object) => ({
    apiVersion: 'kubernetes.external-secrets.io/v1alpha1',
    kind: 'PushSecretMetadata',
    spec,
  });

  test('creates a secret tagged managed-by=lockstep with the metadata, and skips an unchanged push', async () => {
    const vault = new MemoryVault();
    const { client } = clientOver(vault);
    const opts = { metadata: metadata({ tags: { environment: 'prod' }, contentType: 'text/plain' }) };
    await client.pushSecret(Buffer.from('s3cr3t'), { remoteKey: 'pushed' }, opts);
    await client.pushSecret(Buffer.from('s3cr3t'), { remoteKey: 'pushed' }, opts);
    const stored = vault.secrets.get('pushed')?.at(-1);
    assert.equal(stored?.value, 's3cr3t');
    assert.deepEqual(stored?.tags, { environment: 'prod', [MANAGED_BY_TAG.key]: MANAGED_BY_TAG.value });
    assert.equal(stored?.contentType, 'text/plain');
    assert.deepEqual(
      vault.calls.filter((c) => c.startsWith('set')),
      ['set pushed'],
    );
  });

  test('a property is merged into the JSON secret, and deleting it keeps the other fields', async () => {
    const vault = new MemoryVault();
    const { client } = clientOver(vault);
    await client.pushSecret(Buffer.from('u'), { remoteKey: 'doc', property: 'user' });
    await client.pushSecret(Buffer.from('p'), { remoteKey: 'doc', property: 'password' });
    assert.deepEqual(JSON.parse(vault.secrets.get('doc')?.at(-1)?.value ?? ''), { user: 'u', password: 'p' });
    await client.deleteSecret({ remoteKey: 'doc', property: 'user' });
    assert.deepEqual(JSON.parse(vault.secrets.get('doc')?.at(-1)?.value ?? ''), { password: 'p' });
    await client.deleteSecret({ remoteKey: 'doc', property: 'password' });
    assert.equal(vault.secrets.has('doc'), false);
  });

  test('a secret Lockstep did not create is neither overwritten nor deleted', async () => {
    const vault = new MemoryVault();
    vault.put('foreign', 'theirs', { 'managed-by': 'external-secrets' });
    const { client } = clientOver(vault);
    const err = await failure(client.pushSecret(Buffer.from('ours'), { remoteKey: 'foreign' }));
    assert.match(err.message, /not created by Lockstep.*refusing to overwrite/);
    await client.deleteSecret({ remoteKey: 'foreign' });
    assert.equal(vault.secrets.get('foreign')?.at(-1)?.value, 'theirs');
  });

  test('metadata that sets managed-by, a bad expirationDate or an unknown key is refused; keys are not pushed', async () => {
    const { client } = clientOver(new MemoryVault());
    assert.throws(
      () => client.checkPushMetadata(metadata({ tags: { 'managed-by': 'me' } })),
      /must not set "managed-by"/,
    );
    assert.throws(() => client.checkPushMetadata(metadata({ expirationDate: 'tomorrow' })), /must be RFC 3339/);
    assert.throws(() => client.checkPushMetadata(metadata({ labels: {} })), /unknown key/);
    const err = await failure(client.pushSecret(Buffer.from('x'), { remoteKey: 'key/k' }));
    assert.match(err.message, /pushes Azure Key Vault secrets only/);
  });

  test('expirationDate sets the secret expiry', async () => {
    const vault = new MemoryVault();
    const { client } = clientOver(vault);
    const opts = { metadata: metadata({ expirationDate: '2031-12-31T23:59:59Z' }) };
    await client.pushSecret(Buffer.from('v'), { remoteKey: 'expiring' }, opts);
    assert.equal(
      vault.secrets.get('expiring')?.at(-1)?.attributes.expiresOn?.toISOString(),
      '2031-12-31T23:59:59.000Z',
    );
  });
});

describe('validate', () => {
  test('answers ok when the identity gets a token, and the reason when it cannot', async () => {
    assert.deepEqual(
      await clientOver(new MemoryVault(), async () => ({ token: 't', expiresOnTimestamp: 0 })).client.validate(),
      {
        ok: true,
      },
    );
    const refused = Object.assign(new Error('AADSTS7000215: Invalid client secret provided.'), {
      name: 'AuthenticationError',
      statusCode: 401,
    });
    const answer = await clientOver(new MemoryVault(), async () => {
      throw refused;
    }).client.validate();
    assert.equal(answer.ok, false);
    assert.match(answer.ok ? '' : answer.message, /Entra ID refused the login.*AADSTS7000215/);
  });
});
