import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BackendError } from '@lockstep/core';
import { FakeClock, fixedRandom } from '@lockstep/core/testing';
import { baoPeer, enableAuth, rootClient, uniqueName, writePolicy } from '../client/testing/bao-test-peer.ts';
import {
  createNamespace,
  createSecret,
  createServiceAccount,
  enableKubernetesAuth,
  kubePeer,
  replaceSecret,
  serviceAccountIssuer,
} from '../client/testing/kube-test-peer.ts';
import type { AuthMethod } from './auth-method.ts';
import type { LoginTarget } from './login-target.ts';
import { type TokenEvent, TokenManager, type TokenReplacement } from './token-manager.ts';
import { InMemoryTokenStore } from './token-store.ts';

// Without the sandbox peers this fails (it never skips); the suites below fail with it.
it('runs against the sandbox peers (OpenBao, API server)', () => {
  baoPeer();
  kubePeer();
});

describe('TokenManager against OpenBao and the API server', () => {
  const { client, root } = rootClient();
  const kube = kubePeer();
  let ns: string;
  let kvPolicy: string;
  let approle: string;
  const managers: TokenManager[] = [];

  function manager(opts: ConstructorParameters<typeof TokenManager>[0] = {}): TokenManager {
    const m = new TokenManager(opts);
    managers.push(m);
    return m;
  }

  function target(method: AuthMethod): LoginTarget {
    return { client, kube: kube.kube, namespace: ns, method };
  }

  /** An appRole role with the given token TTLs; answers the method reading its IDs from a fresh Secret. */
  async function appRole(role: Record<string, unknown>, secretId: Record<string, unknown> = {}): Promise<AuthMethod> {
    const name = uniqueName('role');
    await client.write(`auth/${approle}/role/${name}`, { token_policies: [kvPolicy], ...role }, { token: root });
    const roleId = (await client.read<{ role_id: string }>(`auth/${approle}/role/${name}/role-id`, { token: root }))
      .data?.role_id as string;
    const sid = (
      await client.write<{ secret_id: string }>(`auth/${approle}/role/${name}/secret-id`, secretId, { token: root })
    ).data?.secret_id as string;
    const secret = uniqueName('approle');
    await createSecret(kube, ns, secret, { roleId, secretId: sid });
    return {
      type: 'appRole',
      mount: approle,
      roleIdRef: { name: secret, key: 'roleId' },
      secretIdRef: { name: secret, key: 'secretId' },
    };
  }

  before(async () => {
    ns = await createNamespace(kube);
    kvPolicy = await writePolicy(client, root, 'path "auth/token/lookup-self" { capabilities = ["read"] }');
    approle = await enableAuth(client, root, 'approle');
  });

  after(() => {
    for (const m of managers) m.stop();
    client.close();
  });

  it('logs in with a token read from a Secret', async () => {
    const created = await client.write('auth/token/create', { ttl: '1h', policies: [kvPolicy] }, { token: root });
    await createSecret(kube, ns, 'dev-token', { token: created.auth?.clientToken as string });
    const tokens = manager();
    const handle = await tokens.acquire(target({ type: 'token', tokenSecretRef: { name: 'dev-token', key: 'token' } }));
    assert.equal(handle.accessor(), created.auth?.accessor);
    assert.ok(handle.expiresAt());
    handle.release();
  });

  it('logs in with appRole, the role and secret IDs read from a Secret', async () => {
    const tokens = manager();
    const handle = await tokens.acquire(target(await appRole({ token_ttl: '5m' })));
    const info = await client.lookupSelf(handle);
    assert.ok(info.policies.includes(kvPolicy));
    assert.ok(info.ttl > 0 && info.ttl <= 300);
    handle.release();
  });

  it('logs in with kubernetes auth using a TokenRequest token of the service account in the namespace', async () => {
    const mount = await enableKubernetesAuth(kube, client, root, ns);
    await createServiceAccount(kube, ns, 'app');
    await client.write(
      `auth/${mount}/role/app`,
      {
        bound_service_account_names: ['app'],
        bound_service_account_namespaces: [ns],
        token_policies: [kvPolicy],
        token_ttl: '5m',
      },
      { token: root },
    );
    const tokens = manager();
    const handle = await tokens.acquire(
      target({ type: 'kubernetes', mount, role: 'app', serviceAccount: { name: 'app' } }),
    );
    const info = await client.lookupSelf(handle);
    assert.ok(info.policies.includes(kvPolicy));
    assert.equal(info.path, `auth/${mount}/login`);
    handle.release();

    // Another namespace's service account of the same name is not the one the role binds.
    const other = await createNamespace(kube, 'other-tenant');
    await createServiceAccount(kube, other, 'app');
    await assert.rejects(
      tokens.acquire({
        ...target({ type: 'kubernetes', mount, role: 'app', serviceAccount: { name: 'app' } }),
        namespace: other,
      }),
      (err: unknown) =>
        err instanceof BackendError && err.errorClass === 'Forbidden' && /kubernetes login/.test(err.message),
    );
  });

  it('logs in with jwt auth from a Secret and from a TokenRequest token', async () => {
    await createServiceAccount(kube, ns, 'jwt-app');
    const { issuer, publicKeyPem } = await serviceAccountIssuer(kube, ns, 'jwt-app');
    const mount = await enableAuth(client, root, 'jwt');
    await client.write(
      `auth/${mount}/config`,
      { jwt_validation_pubkeys: [publicKeyPem], bound_issuer: issuer },
      { token: root },
    );
    await client.write(
      `auth/${mount}/role/app`,
      {
        role_type: 'jwt',
        user_claim: 'sub',
        bound_audiences: ['lockstep-test'],
        bound_subject: `system:serviceaccount:${ns}:jwt-app`,
        token_policies: [kvPolicy],
        token_ttl: '5m',
      },
      { token: root },
    );
    const tokens = manager();

    const viaTokenRequest = await tokens.acquire(
      target({ type: 'jwt', mount, role: 'app', serviceAccount: { name: 'jwt-app', audiences: ['lockstep-test'] } }),
    );
    assert.ok((await client.lookupSelf(viaTokenRequest)).policies.includes(kvPolicy));
    viaTokenRequest.release();

    const { token: jwt } = await kube.kube.requestServiceAccountToken({
      namespace: ns,
      serviceAccountName: 'jwt-app',
      audiences: ['lockstep-test'],
      expirationSeconds: 3600,
    });
    await createSecret(kube, ns, 'jwt-secret', { jwt });
    const viaSecret = await tokens.acquire(
      target({ type: 'jwt', mount, role: 'app', jwtSecretRef: { name: 'jwt-secret', key: 'jwt' } }),
    );
    assert.ok((await client.lookupSelf(viaSecret)).policies.includes(kvPolicy));
    viaSecret.release();
  });

  it('logs in once per identity, however many users ask at once', async () => {
    // The secret ID works exactly once: a second login would fail.
    const method = await appRole({ token_ttl: '5m' }, { num_uses: 1 });
    const tokens = manager();
    const handles = await Promise.all(Array.from({ length: 10 }, () => tokens.acquire(target(method))));
    const identity = handles[0]?.identity as string;
    assert.ok(handles.every((h) => h.identity === identity && h.token() === handles[0]?.token()));
    assert.equal(tokens.stats(identity)?.logins, 1);
    for (let i = 0; i < 20; i++) await handles[i % 10]?.use((t) => client.lookupSelf(t));
    assert.equal(tokens.stats(identity)?.logins, 1);
    for (const h of handles) h.release();
  });

  it('logs in again when a token in use was revoked, but keeps Forbidden for a path the policy denies', async () => {
    const tokens = manager();
    const handle = await tokens.acquire(target(await appRole({ token_ttl: '5m' })));
    const first = handle.accessor();
    await client.write('auth/token/revoke-accessor', { accessor: first }, { token: root });

    const info = await handle.use((t) => client.lookupSelf(t));
    assert.notEqual(info.accessor, first);
    assert.equal(tokens.stats(handle.identity)?.logins, 2);

    await assert.rejects(
      handle.use((t) => client.read('sys/policies/acl/root', { token: t })),
      (err: unknown) => err instanceof BackendError && err.errorClass === 'Forbidden',
    );
    assert.equal(tokens.stats(handle.identity)?.logins, 2, 'a policy denial is not a dead token');
    handle.release();
  });

  it('resumes a stored token instead of logging in again', async () => {
    const store = new InMemoryTokenStore();
    const method = await appRole({ token_ttl: '5m' }, { num_uses: 1 });
    const first = manager({ store });
    const a = await first.acquire(target(method));
    const token = a.token();
    first.stop();

    const second = manager({ store });
    const b = await second.acquire(target(method));
    assert.equal(b.token(), token);
    assert.equal(second.stats(b.identity)?.logins, 0);
    b.release();
  });

  it('renews a short-lived token and logs in again before its max TTL ends it', async () => {
    // Real clock, short TTLs: token_ttl=4s, token_max_ttl=12s.
    const method = await appRole({ token_ttl: '4s', token_max_ttl: '12s' });
    const events: TokenEvent[] = [];
    const tokens = manager({ onEvent: (e) => events.push(e) });
    const handle = await tokens.acquire(target(method));
    const firstAccessor = handle.accessor();

    const replaced = new Promise<{ replacement: TokenReplacement; at: number }>((resolve) => {
      tokens.onTokenReplaced(handle.identity, (replacement) => resolve({ replacement, at: Date.now() }));
    });
    const { replacement, at } = await withTimeout(replaced, 30_000, 'no re-login within 30 s');

    assert.equal(replacement.why, 'MaxTtlReached');
    assert.equal(replacement.previous.accessor, firstAccessor);
    assert.notEqual(replacement.current.accessor, firstAccessor);
    assert.ok(
      replacement.previous.expiresAt && replacement.previous.expiresAt.getTime() > at,
      'replaced before it expired',
    );
    const stats = tokens.stats(handle.identity);
    assert.ok((stats?.renewals ?? 0) >= 2, `renewed before re-login (renewals: ${stats?.renewals})`);
    assert.equal(stats?.logins, 2);
    assert.equal(stats?.failures, 0);
    // The handle yields the new token, and it works.
    assert.equal((await client.lookupSelf(handle)).accessor, replacement.current.accessor);
    assert.ok(events.some((e) => e.kind === 'renewed'));
    handle.release();
  });
});

describe('TokenManager scheduling (FakeClock, real OpenBao)', () => {
  const { client, root } = rootClient();
  const kube = kubePeer();
  let ns: string;

  before(async () => {
    ns = await createNamespace(kube, 'token-clock');
  });

  after(() => client.close());

  async function tokenInSecret(name: string, ttl: string): Promise<{ accessor: string; method: AuthMethod }> {
    const created = await client.write('auth/token/create', { ttl, policies: ['default'] }, { token: root });
    await createSecret(kube, ns, name, { token: created.auth?.clientToken as string });
    return {
      accessor: created.auth?.accessor as string,
      method: { type: 'token', tokenSecretRef: { name, key: 'token' } },
    };
  }

  it('renews at 2/3 of the TTL, not before', async () => {
    const clock = new FakeClock(new Date());
    const tokens = new TokenManager({ clock, random: fixedRandom(0) });
    const { method } = await tokenInSecret('renew-me', '1h');
    const handle = await tokens.acquire({ client, kube: kube.kube, namespace: ns, method });
    const start = clock.now().getTime();
    const next = tokens.nextAction(handle.identity);
    assert.equal(next?.action, 'renew');
    const delay = (next?.at.getTime() ?? 0) - start;
    // TTL as Vault reports it (~3600 s, maybe a second less) times 2/3.
    assert.ok(delay > 2_390_000 && delay <= 2_400_000, `renewal due after ${delay} ms`);

    clock.advance(delay - 1);
    await tokens.settled(handle.identity);
    assert.equal(tokens.stats(handle.identity)?.renewals, 0);
    clock.advance(1);
    await tokens.settled(handle.identity);
    assert.equal(tokens.stats(handle.identity)?.renewals, 1);
    assert.equal(tokens.nextAction(handle.identity)?.action, 'renew');
    tokens.stop();
  });

  it('backs off exponentially while logging in again fails, then recovers and announces the new token', async () => {
    const clock = new FakeClock(new Date());
    const tokens = new TokenManager({ clock, random: fixedRandom(0) });
    const { accessor, method } = await tokenInSecret('rotated', '1h');
    const handle = await tokens.acquire({ client, kube: kube.kube, namespace: ns, method });
    const replacements: TokenReplacement[] = [];
    tokens.onTokenReplaced(handle.identity, (r) => replacements.push(r));

    // The token dies and the Secret still holds it: renewal and every re-login fail.
    await client.write('auth/token/revoke-accessor', { accessor }, { token: root });
    const due = tokens.nextAction(handle.identity)?.at.getTime() ?? 0;
    clock.advance(due - clock.now().getTime());
    await tokens.settled(handle.identity);

    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const next = tokens.nextAction(handle.identity);
      assert.equal(next?.action, 'reauthenticate');
      const delay = (next?.at.getTime() ?? 0) - clock.now().getTime();
      delays.push(delay);
      clock.advance(delay);
      await tokens.settled(handle.identity);
    }
    assert.deepEqual(delays, [1_000, 2_000, 4_000, 8_000]);
    // One renewal and five logins failed: no tight loop.
    assert.equal(tokens.stats(handle.identity)?.failures, 6);

    // Someone puts a live token into the Secret: the next retry picks it up.
    const fresh = await client.write('auth/token/create', { ttl: '1h', policies: ['default'] }, { token: root });
    await replaceSecret(kube, ns, 'rotated', { token: fresh.auth?.clientToken as string });
    const next = tokens.nextAction(handle.identity);
    clock.advance((next?.at.getTime() ?? 0) - clock.now().getTime());
    await tokens.settled(handle.identity);
    assert.equal(handle.accessor(), fresh.auth?.accessor);
    assert.equal(replacements.length, 1);
    assert.equal(replacements[0]?.previous.accessor, accessor);
    assert.equal(tokens.nextAction(handle.identity)?.action, 'renew');
    tokens.stop();
  });

  it('never schedules work for a token that never expires', async () => {
    const clock = new FakeClock(new Date());
    const tokens = new TokenManager({ clock });
    await createSecret(kube, ns, 'root-token', { token: root });
    const handle = await tokens.acquire({
      client,
      kube: kube.kube,
      namespace: ns,
      method: { type: 'token', tokenSecretRef: { name: 'root-token', key: 'token' } },
    });
    assert.equal(handle.expiresAt(), undefined);
    assert.equal(tokens.nextAction(handle.identity), undefined);
    assert.equal(clock.pendingTimers, 0);
    tokens.stop();
  });
});

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]);
}
