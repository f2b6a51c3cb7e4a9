import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { kubeConfigFromEnv, openBaoFromEnv } from '../testing/peers.ts';
import { SEED_DEFAULTS } from './defaults.ts';
import { ensureServiceAccount, serviceAccountToken } from './kubernetes.ts';
import { seedKubernetesRole } from './openbao-auth.ts';

// OpenBao's real kubernetes and jwt auth against the embedded API server, as seeded by the sandbox.
describe('OpenBao auth with service-account tokens from the embedded API server', () => {
  const kc = kubeConfigFromEnv();
  const root = openBaoFromEnv();
  const anonymous = root.withToken(undefined);
  const suffix = randomBytes(3).toString('hex');
  const nsA = `kauth-a-${suffix}`;
  const nsB = `kauth-b-${suffix}`;
  const role = `app-${suffix}`;

  before(async () => {
    await Promise.all([
      ensureServiceAccount(kc, nsA, 'app'),
      ensureServiceAccount(kc, nsA, 'other'),
      ensureServiceAccount(kc, nsB, 'app'),
    ]);
    await seedKubernetesRole(root, {
      name: role,
      serviceAccountNames: ['app'],
      namespaces: [nsA],
      policies: [SEED_DEFAULTS.policy],
    });
  });

  after(async () => {
    await root.delete(`auth/${SEED_DEFAULTS.kubernetesMount}/role/${role}`);
    const core = kc.makeApiClient(CoreV1Api);
    await Promise.all([nsA, nsB].map((name) => core.deleteNamespace({ name })));
  });

  const kubernetesLogin = async (namespace: string, serviceAccount: string) =>
    anonymous.request('POST', `auth/${SEED_DEFAULTS.kubernetesMount}/login`, {
      role,
      jwt: await serviceAccountToken(kc, namespace, serviceAccount),
    });

  it('logs a bound service account in at auth/kubernetes and the token reads what the policy allows', async () => {
    const res = await kubernetesLogin(nsA, 'app');
    assert.equal(res.status, 200, JSON.stringify(res.body.errors));
    const auth = res.body.auth;
    assert.ok(auth?.client_token);
    assert.ok(auth.policies.includes(SEED_DEFAULTS.policy));
    assert.equal(auth.metadata?.service_account_namespace, nsA);
    assert.equal(auth.metadata?.service_account_name, 'app');

    const secret = await root.withToken(auth.client_token).read(`${SEED_DEFAULTS.kvV2Mount}/data/app/config`);
    assert.equal(secret.data?.data?.username, 'app');
  });

  it('refuses a token of another service account in the same namespace', async () => {
    const res = await kubernetesLogin(nsA, 'other');
    assert.equal(res.status, 403);
    assert.equal(res.body.auth, undefined);
  });

  it('refuses a token from a namespace the role is not bound to', async () => {
    const res = await kubernetesLogin(nsB, 'app');
    assert.equal(res.status, 403);
    assert.equal(res.body.auth, undefined);
  });

  it('logs a TokenRequest token with the bound audience in at auth/jwt', async () => {
    const jwt = await serviceAccountToken(kc, nsA, 'app', { audiences: [SEED_DEFAULTS.jwtAudience] });
    const res = await anonymous.request('POST', `auth/${SEED_DEFAULTS.jwtMount}/login`, {
      role: SEED_DEFAULTS.jwtRole,
      jwt,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body.errors));
    assert.ok(res.body.auth?.client_token);
    assert.ok(res.body.auth.policies.includes(SEED_DEFAULTS.policy));
  });

  it('refuses at auth/jwt a token issued for another audience', async () => {
    const jwt = await serviceAccountToken(kc, nsA, 'app', { audiences: ['someone-else'] });
    const res = await anonymous.request('POST', `auth/${SEED_DEFAULTS.jwtMount}/login`, {
      role: SEED_DEFAULTS.jwtRole,
      jwt,
    });
    assert.ok(res.status >= 400, `expected a refusal, got ${res.status}`);
    assert.equal(res.body.auth, undefined);
  });
});
