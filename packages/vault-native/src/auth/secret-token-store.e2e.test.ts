import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { BackendError, clientSecretApi, createKubeAccess, type SecretApi } from '@lockstep/core';
import { startApiServer } from '@lockstep/sandbox';
import { enableAuth, rootClient, uniqueName, writePolicy } from '../client/testing/bao-test-peer.ts';
import type { AuthMethod } from './auth-method.ts';
import { LocalTokenCipher } from './local-token-cipher.ts';
import { identityKey, type LoginTarget } from './login-target.ts';
import { SecretTokenStore, TOKEN_STORE_SECRET, tokenStoreKey } from './secret-token-store.ts';
import type { TokenCipher } from './token-cipher.ts';
import { type TokenEvent, TokenManager } from './token-manager.ts';
import type { StoredToken } from './token-store.ts';
import { TransitTokenCipher } from './transit-token-cipher.ts';

type ApiServer = Awaited<ReturnType<typeof startApiServer>>;

let server: ApiServer;
let kc: KubeConfig;
let core: CoreV1Api;
let api: SecretApi;

before(async () => {
  server = await startApiServer({ port: 0 });
  kc = new KubeConfig();
  kc.loadFromString(server.kubeconfig());
  core = kc.makeApiClient(CoreV1Api);
  api = clientSecretApi(kc);
});

after(async () => {
  await server?.stop();
});

/** A fresh controller namespace: each test owns its token Secret. */
async function controllerNamespace(): Promise<string> {
  const name = uniqueName('lockstep-system');
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

function storedToken(token: string, overrides: Partial<StoredToken> = {}): StoredToken {
  return {
    token,
    accessor: `acc-${token.slice(-6)}`,
    expiresAtMs: Date.UTC(2030, 0, 1),
    renewable: true,
    requestedTtlSeconds: 3600,
    ...overrides,
  };
}

function secretToken(): string {
  return `s.${uniqueName('tok')}${uniqueName('en')}`;
}

async function tokenSecret(ns: string): Promise<V1Secret> {
  return core.readNamespacedSecret({ namespace: ns, name: TOKEN_STORE_SECRET });
}

/** A replica's view: its own cipher instance (reading the shared key Secret) and store. */
async function replica(ns: string, events: string[] = []): Promise<SecretTokenStore> {
  const cipher = await LocalTokenCipher.loadOrCreate(api, ns);
  return new SecretTokenStore({
    api,
    namespace: ns,
    cipher,
    onUnreadable: (identity, reason) => events.push(`${reason}:${identity}`),
  });
}

const IDENTITY = 'kubernetes/k8s/app/team-a/app/0123456789abcdef';
const OTHER = 'appRole/approle//team-b//fedcba9876543210';

describe('SecretTokenStore with the local key, against the embedded API server', () => {
  it('saves, loads and deletes a token, and a missing Secret reads as no token', async () => {
    const ns = await controllerNamespace();
    const store = await replica(ns);
    assert.equal(await store.load(IDENTITY), undefined);
    await store.delete(IDENTITY); // nothing there: no error, nothing created

    const token = storedToken(secretToken());
    await store.save(IDENTITY, token);
    assert.deepEqual(await store.load(IDENTITY), token);

    const never = storedToken(secretToken(), { expiresAtMs: undefined, renewable: false });
    await store.save(OTHER, never);
    assert.deepEqual(await store.load(OTHER), never, 'a token that never expires keeps expiresAtMs undefined');

    await store.delete(IDENTITY);
    assert.equal(await store.load(IDENTITY), undefined);
    assert.deepEqual(await store.load(OTHER), never, 'deleting one identity keeps the others');
  });

  it('keeps the tokens in one Secret labelled part-of lockstep, never as a managed Secret', async () => {
    const ns = await controllerNamespace();
    const store = await replica(ns);
    await store.save(IDENTITY, storedToken(secretToken()));
    await store.save(OTHER, storedToken(secretToken()));
    const secret = await tokenSecret(ns);
    assert.equal(secret.metadata?.labels?.['app.kubernetes.io/part-of'], 'lockstep');
    assert.equal(secret.metadata?.labels?.['lockstep.dev/managed'], undefined);
    assert.deepEqual(Object.keys(secret.data ?? {}).sort(), [tokenStoreKey(IDENTITY), tokenStoreKey(OTHER)].sort());
    for (const key of Object.keys(secret.data ?? {})) assert.match(key, /^[-._a-zA-Z0-9]+$/);
  });

  it('hands a restarted controller the same token', async () => {
    const ns = await controllerNamespace();
    const token = storedToken(secretToken());
    await (await replica(ns)).save(IDENTITY, token);
    const restarted = await replica(ns);
    assert.deepEqual(await restarted.load(IDENTITY), token);
  });

  it('stores no plaintext token: neither the token nor its base64 appears in the Secret', async () => {
    const ns = await controllerNamespace();
    const token = secretToken();
    await (await replica(ns)).save(IDENTITY, storedToken(token));
    const raw = JSON.stringify(await tokenSecret(ns));
    const decodedValues = Object.values((await tokenSecret(ns)).data ?? {})
      .map((v) => Buffer.from(v, 'base64').toString('utf8'))
      .join('\n');
    for (const needle of [token, Buffer.from(token).toString('base64'), Buffer.from(token).toString('base64url')]) {
      assert.ok(!raw.includes(needle), 'the Secret object carries the token');
      assert.ok(!decodedValues.includes(needle), 'a decoded value carries the token');
    }
    // Nor is it in the key Secret, or anywhere else in the namespace.
    const all = JSON.stringify(await core.listNamespacedSecret({ namespace: ns }));
    assert.ok(!all.includes(token));
  });

  it('treats a tampered ciphertext as no token, and says so without the token', async () => {
    const ns = await controllerNamespace();
    const events: string[] = [];
    const store = await replica(ns, events);
    const token = secretToken();
    await store.save(IDENTITY, storedToken(token));
    const secret = await tokenSecret(ns);
    const key = tokenStoreKey(IDENTITY);
    const sealed = Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');
    // Flip one character of the sealed payload (past the format prefix).
    const at = sealed.length - 10;
    const flipped = sealed.slice(0, at) + (sealed[at] === 'A' ? 'B' : 'A') + sealed.slice(at + 1);
    await core.replaceNamespacedSecret({
      namespace: ns,
      name: TOKEN_STORE_SECRET,
      body: { ...secret, data: { ...secret.data, [key]: Buffer.from(flipped).toString('base64') } },
    });
    assert.equal(await (await replica(ns)).load(IDENTITY), undefined);
    assert.equal(await store.load(IDENTITY), undefined);
    assert.deepEqual(events, [`undecryptable:${IDENTITY}`]);
    assert.ok(!events.join().includes(token));

    // The next login's token replaces the unreadable value.
    const fresh = storedToken(secretToken());
    await store.save(IDENTITY, fresh);
    assert.deepEqual(await store.load(IDENTITY), fresh);
  });

  it('refuses a ciphertext moved under another identity', async () => {
    const ns = await controllerNamespace();
    const store = await replica(ns);
    const token = storedToken(secretToken());
    await store.save(IDENTITY, token);
    const secret = await tokenSecret(ns);
    const stolen = secret.data?.[tokenStoreKey(IDENTITY)] as string;
    await core.replaceNamespacedSecret({
      namespace: ns,
      name: TOKEN_STORE_SECRET,
      body: { ...secret, data: { ...secret.data, [tokenStoreKey(OTHER)]: stolen } },
    });
    assert.equal(await store.load(OTHER), undefined);
    assert.deepEqual(await store.load(IDENTITY), token, 'the original identity still reads its token');
  });

  it('treats a value sealed with another key (the key Secret was recreated) as no token', async () => {
    const ns = await controllerNamespace();
    await (await replica(ns)).save(IDENTITY, storedToken(secretToken()));
    await core.deleteNamespacedSecret({ namespace: ns, name: 'lockstep-token-key' });
    const events: string[] = [];
    const restarted = await replica(ns, events);
    assert.equal(await restarted.load(IDENTITY), undefined);
    assert.deepEqual(events, [`undecryptable:${IDENTITY}`]);
  });

  it('writes nothing when the token did not change, even after a restart', async () => {
    const ns = await controllerNamespace();
    const store = await replica(ns);
    const token = storedToken(secretToken());
    await store.save(IDENTITY, token);
    const version = (await tokenSecret(ns)).metadata?.resourceVersion;
    await store.save(IDENTITY, { ...token });
    assert.equal((await tokenSecret(ns)).metadata?.resourceVersion, version);

    const restarted = await replica(ns);
    assert.deepEqual(await restarted.load(IDENTITY), token);
    await restarted.save(IDENTITY, token);
    assert.equal((await tokenSecret(ns)).metadata?.resourceVersion, version);

    // A renewal (new expiry) is a change.
    await restarted.save(IDENTITY, { ...token, expiresAtMs: (token.expiresAtMs ?? 0) + 60_000 });
    assert.notEqual((await tokenSecret(ns)).metadata?.resourceVersion, version);
  });

  it('lands a save that lost a race (409), without losing the winner', async () => {
    const ns = await controllerNamespace();
    const first = await replica(ns);
    await first.save('seed', storedToken(secretToken()));

    // Replica B reads the Secret, then replica A writes before B does: B's write conflicts.
    let conflicts = 0;
    let readOnce = false;
    let aWrote: () => void = () => {};
    const aDone = new Promise<void>((resolve) => {
      aWrote = resolve;
    });
    const racingApi: SecretApi = {
      ...api,
      get: async (namespace, name) => {
        const secret = await api.get(namespace, name);
        if (!readOnce) {
          readOnce = true;
          await aDone;
        }
        return secret;
      },
      replace: async (namespace, name, body) => {
        try {
          return await api.replace(namespace, name, body);
        } catch (err) {
          if (err instanceof BackendError && err.errorClass === 'Conflict') conflicts++;
          throw err;
        }
      },
    };
    const cipher = await LocalTokenCipher.loadOrCreate(api, ns);
    const b = new SecretTokenStore({ api: racingApi, namespace: ns, cipher });
    const a = await replica(ns);
    const tokenA = storedToken(secretToken());
    const tokenB = storedToken(secretToken());
    const bSaved = b.save(OTHER, tokenB);
    await a.save(IDENTITY, tokenA);
    aWrote();
    await bSaved;
    assert.equal(conflicts, 1, 'B retried after exactly one conflict');
    const reader = await replica(ns);
    assert.deepEqual(await reader.load(IDENTITY), tokenA);
    assert.deepEqual(await reader.load(OTHER), tokenB);
  });

  it('lands every save when two replicas save many identities at once', async () => {
    const ns = await controllerNamespace();
    const [a, b] = await Promise.all([replica(ns), replica(ns)]);
    const tokens = new Map<string, StoredToken>();
    for (let i = 0; i < 6; i++) tokens.set(`identity-${i}`, storedToken(secretToken()));
    await Promise.all([...tokens].map(([id, t], i) => ((i % 2 === 0 ? a : b) as SecretTokenStore).save(id, t)));
    const reader = await replica(ns);
    for (const [id, t] of tokens) assert.deepEqual(await reader.load(id), t, id);
  });
});

describe('A restarted controller resumes its login tokens (TokenManager + SecretTokenStore + OpenBao)', () => {
  const { client, root } = rootClient();
  let approle: string;
  let policy: string;
  let transitKey: string;
  const managers: TokenManager[] = [];

  before(async () => {
    approle = await enableAuth(client, root, 'approle');
    policy = await writePolicy(client, root, 'path "auth/token/lookup-self" { capabilities = ["read"] }');
    transitKey = uniqueName('lockstep-tokens');
    await client.write(`transit/keys/${transitKey}`, {}, { token: root });
  });

  after(() => {
    for (const m of managers) m.stop();
    client.close();
  });

  /** An appRole login whose role and secret IDs sit in a Secret of `ns`. */
  async function appRoleTarget(ns: string): Promise<LoginTarget> {
    const role = uniqueName('role');
    await client.write(`auth/${approle}/role/${role}`, { token_policies: [policy], token_ttl: '10m' }, { token: root });
    const roleId = (await client.read<{ role_id: string }>(`auth/${approle}/role/${role}/role-id`, { token: root }))
      .data?.role_id as string;
    const secretId = (
      await client.write<{ secret_id: string }>(`auth/${approle}/role/${role}/secret-id`, {}, { token: root })
    ).data?.secret_id as string;
    await core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name: 'approle' },
        stringData: { roleId, secretId },
      },
    });
    const method: AuthMethod = {
      type: 'appRole',
      mount: approle,
      roleIdRef: { name: 'approle', key: 'roleId' },
      secretIdRef: { name: 'approle', key: 'secretId' },
    };
    return { client, kube: createKubeAccess(kc), namespace: ns, method };
  }

  function manager(store: SecretTokenStore, events: TokenEvent[]): TokenManager {
    const m = new TokenManager({ store, onEvent: (e) => events.push(e) });
    managers.push(m);
    return m;
  }

  const ciphers: [string, (ns: string) => Promise<TokenCipher>][] = [
    ['the local key', (ns) => LocalTokenCipher.loadOrCreate(api, ns)],
    ['OpenBao transit', async () => new TransitTokenCipher({ client, token: root, key: transitKey })],
  ];

  for (const [label, cipherFor] of ciphers) {
    it(`re-uses the saved login token after a restart, with ${label}: same accessor, no new login`, async () => {
      const ns = await controllerNamespace();
      const target = await appRoleTarget(ns);
      const identity = identityKey(target);

      const beforeEvents: TokenEvent[] = [];
      const first = manager(new SecretTokenStore({ api, namespace: ns, cipher: await cipherFor(ns) }), beforeEvents);
      const handle = await first.acquire(target);
      const accessor = handle.accessor();
      assert.equal(first.stats(identity)?.logins, 1);
      const token = handle.token();
      first.stop(); // graceful shutdown: nothing revoked, the token stays in the Secret
      assert.ok(!JSON.stringify(await tokenSecret(ns)).includes(token), 'the Secret holds no plaintext token');

      const afterEvents: TokenEvent[] = [];
      const restarted = manager(new SecretTokenStore({ api, namespace: ns, cipher: await cipherFor(ns) }), afterEvents);
      const resumed = await restarted.acquire(target);
      assert.equal(resumed.accessor(), accessor);
      assert.equal(restarted.stats(identity)?.logins, 0, 'the restarted controller did not log in');
      assert.deepEqual(
        afterEvents.filter((e) => e.kind === 'login' || e.kind === 'adopted').map((e) => e.kind),
        ['adopted'],
      );
      assert.equal((await client.lookupSelf(resumed)).accessor, accessor, 'the resumed token works in Vault');
      assert.ok(resumed.expiresAt(), 'the resumed token is renewed on a schedule');
      resumed.release();
    });
  }

  it('keeps a fresh login usable and renewing when the token Secret cannot be written', async () => {
    const ns = await controllerNamespace();
    const target = await appRoleTarget(ns);
    const identity = identityKey(target);
    const events: TokenEvent[] = [];
    // The controller namespace does not exist: every write of the token Secret fails.
    const unwritable = new SecretTokenStore({
      api,
      namespace: uniqueName('missing-ns'),
      cipher: await LocalTokenCipher.loadOrCreate(api, ns),
    });
    const tokens = manager(unwritable, events);
    const handle = await tokens.acquire(target);
    assert.ok((await client.lookupSelf(handle)).accessor, 'the token works');
    assert.deepEqual(
      events.filter((e) => e.kind === 'saveFailed').map((e) => e.identity),
      [identity],
    );
    assert.equal(tokens.nextAction(identity)?.action, 'renew', 'its renewal is still scheduled');
    handle.release();
  });

  it('logs in again when the saved token was revoked while the controller was down', async () => {
    const ns = await controllerNamespace();
    const target = await appRoleTarget(ns);
    const identity = identityKey(target);
    const cipher = await LocalTokenCipher.loadOrCreate(api, ns);
    const first = manager(new SecretTokenStore({ api, namespace: ns, cipher }), []);
    const handle = await first.acquire(target);
    const accessor = handle.accessor();
    first.stop();
    await client.write('auth/token/revoke-accessor', { accessor }, { token: root });

    const restarted = manager(new SecretTokenStore({ api, namespace: ns, cipher }), []);
    const fresh = await restarted.acquire(target);
    assert.notEqual(fresh.accessor(), accessor);
    assert.equal(restarted.stats(identity)?.logins, 1);
    const reread = await new SecretTokenStore({ api, namespace: ns, cipher }).load(identity);
    assert.equal(reread?.accessor, fresh.accessor(), 'the new token replaced the dead one in the Secret');
    fresh.release();
  });
});
