import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, importJWK, jwtVerify, SignJWT } from 'jose';
import { TokenIssuer, type TokenRequestInput } from './tokens.ts';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const NOW = new Date('2026-11-28T10:00:00Z');

const request: TokenRequestInput = {
  namespace: 'apps',
  serviceAccountName: 'payments',
  serviceAccountUid: 'uid-1',
  audiences: ['vault'],
  expirationSeconds: 3600,
};

function later(seconds: number): Date {
  return new Date(NOW.getTime() + seconds * 1000);
}

describe('ServiceAccount tokens', () => {
  let issuer: TokenIssuer;
  before(async () => {
    issuer = await TokenIssuer.create(ISSUER);
  });

  it('carries the claims of a real cluster bound token', async () => {
    const { token, expirationTimestamp } = await issuer.issue(
      { ...request, boundObjectRef: { kind: 'Pod', name: 'web-0', uid: 'pod-uid' } },
      NOW,
    );
    const claims = decodeJwt(token);
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.sub, 'system:serviceaccount:apps:payments');
    assert.deepEqual(claims.aud, ['vault']);
    assert.equal(claims.iat, NOW.getTime() / 1000);
    assert.equal(claims.nbf, NOW.getTime() / 1000);
    assert.equal(claims.exp, NOW.getTime() / 1000 + 3600);
    assert.deepEqual(claims['kubernetes.io'], {
      namespace: 'apps',
      serviceaccount: { name: 'payments', uid: 'uid-1' },
      pod: { name: 'web-0', uid: 'pod-uid' },
    });
    assert.equal(expirationTimestamp, '2026-11-28T11:00:00Z');
    assert.equal(decodeProtectedHeader(token).alg, 'RS256');
  });

  it('publishes a JWKS and a PEM that verify its tokens', async () => {
    const { token } = await issuer.issue(request, NOW);
    const [jwk] = issuer.jwks().keys as { kid: string }[];
    assert.ok(jwk);
    assert.equal(decodeProtectedHeader(token).kid, jwk.kid);
    const key = await importJWK(jwk as never, 'RS256');
    const { payload } = await jwtVerify(token, key, { currentDate: NOW, audience: 'vault' });
    assert.equal(payload.sub, 'system:serviceaccount:apps:payments');
    assert.match(issuer.publicKeyPem, /^-----BEGIN PUBLIC KEY-----/);
  });

  it('never issues tokens shorter than ten minutes', async () => {
    const { token } = await issuer.issue({ ...request, expirationSeconds: 60 }, NOW);
    assert.equal(decodeJwt(token).exp, NOW.getTime() / 1000 + 600);
  });

  it('authenticates a valid token as the service account with its groups', async () => {
    const { token } = await issuer.issue({ ...request, boundObjectRef: { kind: 'Pod', name: 'web-0' } }, NOW);
    const status = await issuer.review(token, ['vault'], later(10));
    assert.equal(status.authenticated, true);
    assert.deepEqual(status.audiences, ['vault']);
    assert.equal(status.user?.username, 'system:serviceaccount:apps:payments');
    assert.equal(status.user?.uid, 'uid-1');
    assert.deepEqual(status.user?.groups, [
      'system:serviceaccounts',
      'system:serviceaccounts:apps',
      'system:authenticated',
    ]);
    assert.deepEqual(status.user?.extra?.['authentication.kubernetes.io/pod-name'], ['web-0']);
    assert.equal(status.error, undefined);
  });

  it('answers with the intersection of requested and token audiences', async () => {
    const { token } = await issuer.issue({ ...request, audiences: ['vault', 'aws'] }, NOW);
    const status = await issuer.review(token, ['aws', 'gcp'], NOW);
    assert.equal(status.authenticated, true);
    assert.deepEqual(status.audiences, ['aws']);
  });

  it('refuses a token that carries none of the requested audiences', async () => {
    const { token } = await issuer.issue(request, NOW);
    const status = await issuer.review(token, ['other'], NOW);
    assert.equal(status.authenticated, false);
    assert.match(status.error ?? '', /audiences/);
    assert.equal(status.user, undefined);
  });

  it('uses the issuer URL as the default audience on both sides', async () => {
    const { token: defaulted } = await issuer.issue({ ...request, audiences: [] }, NOW);
    assert.deepEqual(decodeJwt(defaulted).aud, [ISSUER]);
    const ok = await issuer.review(defaulted, undefined, NOW);
    assert.equal(ok.authenticated, true);
    assert.deepEqual(ok.audiences, [ISSUER]);
    const { token: vaultOnly } = await issuer.issue(request, NOW);
    assert.equal((await issuer.review(vaultOnly, undefined, NOW)).authenticated, false);
  });

  it('refuses an expired token', async () => {
    const { token } = await issuer.issue(request, NOW);
    assert.equal((await issuer.review(token, ['vault'], later(3599))).authenticated, true);
    const status = await issuer.review(token, ['vault'], later(3601));
    assert.equal(status.authenticated, false);
    assert.match(status.error ?? '', /expired/);
  });

  it('refuses a token not yet valid', async () => {
    const { token } = await issuer.issue(request, NOW);
    assert.equal((await issuer.review(token, ['vault'], later(-60))).authenticated, false);
  });

  it('refuses a token signed by another issuer key', async () => {
    const other = await TokenIssuer.create(ISSUER);
    const { token } = await other.issue(request, NOW);
    const status = await issuer.review(token, ['vault'], NOW);
    assert.equal(status.authenticated, false);
    assert.match(status.error ?? '', /signature/);
  });

  it('refuses a token with a tampered payload', async () => {
    const { token } = await issuer.issue(request, NOW);
    const [h, , s] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...decodeJwt(token), sub: 'system:serviceaccount:kube-system:admin' }),
    ).toString('base64url');
    const status = await issuer.review(`${h}.${forged}.${s}`, ['vault'], NOW);
    assert.equal(status.authenticated, false);
  });

  it('refuses malformed tokens without throwing', async () => {
    for (const bad of ['', 'abc', 'a.b.c', 'eyJhbGciOiJub25lIn0.e30.']) {
      const status = await issuer.review(bad, ['vault'], NOW);
      assert.equal(status.authenticated, false);
      assert.ok(status.error);
    }
  });

  it('refuses a well-signed token from a different issuer URL', async () => {
    const other = await TokenIssuer.create('https://elsewhere.example');
    const { token } = await other.issue(request, NOW);
    assert.equal((await issuer.review(token, ['vault'], NOW)).authenticated, false);
  });

  it('refuses a signed token without the service account claims', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    assert.equal((await issuer.review(token, ['vault'], NOW)).authenticated, false);
  });

  it('refuses the token of a deleted or recreated service account when existence is checked', async () => {
    const { token } = await issuer.issue(request, NOW);
    const seen: string[] = [];
    const exists = (ns: string, name: string, uid: string) => {
      seen.push(`${ns}/${name}/${uid}`);
      return uid === 'uid-1';
    };
    assert.equal((await issuer.review(token, ['vault'], NOW, exists)).authenticated, true);
    assert.deepEqual(seen, ['apps/payments/uid-1']);
    const recreated = await issuer.review(token, ['vault'], NOW, async () => false);
    assert.equal(recreated.authenticated, false);
    assert.match(recreated.error ?? '', /deleted/);
  });
});
