import { randomUUID } from 'node:crypto';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';

export type TokenReviewUser = { username: string; uid: string; groups: string[]; extra?: Record<string, string[]> };

/** The shape of authentication.k8s.io/v1 TokenReview `.status`. */
export type TokenReviewStatus = {
  authenticated: boolean;
  user?: TokenReviewUser;
  audiences?: string[];
  error?: string;
};

export type TokenRequestInput = {
  namespace: string;
  serviceAccountName: string;
  serviceAccountUid: string;
  audiences: string[];
  expirationSeconds: number;
  boundObjectRef?: { kind: string; name: string; uid?: string };
};

export type ServiceAccountExists = (namespace: string, name: string, uid: string) => boolean | Promise<boolean>;

type BoundRef = { name: string; uid?: string };
type KubernetesClaim = {
  namespace: string;
  serviceaccount: { name: string; uid: string };
  pod?: BoundRef;
  secret?: BoundRef;
  node?: BoundRef;
};

// RS256 like kube-apiserver's default service-account key, so any verifier that works against a real cluster works here.
const ALG = 'RS256';
// kube-apiserver refuses TokenRequests shorter than 10 minutes.
const MIN_EXPIRATION_SECONDS = 600;

/**
 * Issues and reviews bound ServiceAccount tokens. The default audience (a TokenRequest without audiences, and a
 * TokenReview without audiences) is the issuer URL itself, as on a real cluster where `--api-audiences` defaults to
 * `--service-account-issuer` (e.g. `https://kubernetes.default.svc.cluster.local`).
 * Token values are never logged.
 */
export class TokenIssuer {
  readonly issuerUrl: string;
  readonly publicKeyPem: string;
  readonly #privateKey: CryptoKey;
  readonly #publicKey: CryptoKey;
  readonly #publicJwk: JWK;

  private constructor(issuerUrl: string, publicKeyPem: string, privateKey: CryptoKey, publicKey: CryptoKey, jwk: JWK) {
    this.issuerUrl = issuerUrl;
    this.publicKeyPem = publicKeyPem;
    this.#privateKey = privateKey;
    this.#publicKey = publicKey;
    this.#publicJwk = jwk;
  }

  static async create(issuerUrl: string): Promise<TokenIssuer> {
    const { privateKey, publicKey } = await generateKeyPair(ALG, { modulusLength: 2048, extractable: true });
    const jwk = await exportJWK(publicKey);
    // Like kube, the key id is derived from the public key.
    const kid = await calculateJwkThumbprint(jwk);
    const publicJwk: JWK = { ...jwk, kid, use: 'sig', alg: ALG };
    return new TokenIssuer(issuerUrl, await exportSPKI(publicKey), privateKey, publicKey, publicJwk);
  }

  /** The document served at /openid/v1/jwks. */
  jwks(): { keys: object[] } {
    return { keys: [{ ...this.#publicJwk }] };
  }

  async issue(req: TokenRequestInput, now: Date): Promise<{ token: string; expirationTimestamp: string }> {
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + Math.max(req.expirationSeconds, MIN_EXPIRATION_SECONDS);
    const audiences = req.audiences.length > 0 ? req.audiences : [this.issuerUrl];
    const kube: KubernetesClaim = {
      namespace: req.namespace,
      serviceaccount: { name: req.serviceAccountName, uid: req.serviceAccountUid },
    };
    const ref = req.boundObjectRef;
    if (ref) {
      const bound: BoundRef = ref.uid ? { name: ref.name, uid: ref.uid } : { name: ref.name };
      if (ref.kind === 'Pod') kube.pod = bound;
      else if (ref.kind === 'Secret') kube.secret = bound;
      else if (ref.kind === 'Node') kube.node = bound;
    }
    const token = await new SignJWT({ 'kubernetes.io': kube })
      .setProtectedHeader({ alg: ALG, kid: this.#publicJwk.kid as string })
      .setIssuer(this.issuerUrl)
      .setSubject(`system:serviceaccount:${req.namespace}:${req.serviceAccountName}`)
      .setAudience(audiences)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(this.#privateKey);
    return { token, expirationTimestamp: new Date(exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  }

  /**
   * TokenReview semantics of kube-apiserver: the token must carry at least one of the requested audiences (or the
   * default audience when none is requested) and the answer's audiences are the intersection. Clock leeway is zero:
   * issuer and reviewer share one clock in the sandbox.
   */
  async review(
    token: string,
    audiences: string[] | undefined,
    now: Date,
    serviceAccountExists?: ServiceAccountExists,
  ): Promise<TokenReviewStatus> {
    const wanted = audiences && audiences.length > 0 ? audiences : [this.issuerUrl];
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#publicKey, {
        algorithms: [ALG],
        issuer: this.issuerUrl,
        currentDate: now,
        clockTolerance: 0,
        requiredClaims: ['exp', 'iat', 'sub', 'aud'],
      }));
    } catch (err) {
      return refused(describeJoseError(err));
    }
    const tokenAudiences = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
    const matched = wanted.filter((a) => tokenAudiences.includes(a));
    if (matched.length === 0) {
      return refused(
        `token audiences ${JSON.stringify(tokenAudiences)} is invalid for the target audiences ${JSON.stringify(wanted)}`,
      );
    }
    const kube = payload['kubernetes.io'] as Partial<KubernetesClaim> | undefined;
    const ns = kube?.namespace;
    const sa = kube?.serviceaccount;
    if (!ns || !sa?.name || !sa.uid || payload.sub !== `system:serviceaccount:${ns}:${sa.name}`) {
      return refused('token lacks the kubernetes.io service account claims');
    }
    if (serviceAccountExists && !(await serviceAccountExists(ns, sa.name, sa.uid))) {
      return refused(`service account ${ns}/${sa.name} (uid ${sa.uid}) has been deleted`);
    }
    const extra: Record<string, string[]> = {};
    if (kube.pod) {
      extra['authentication.kubernetes.io/pod-name'] = [kube.pod.name];
      if (kube.pod.uid) extra['authentication.kubernetes.io/pod-uid'] = [kube.pod.uid];
    }
    if (payload.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${payload.jti}`];
    return {
      authenticated: true,
      user: {
        username: payload.sub,
        uid: sa.uid,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
        extra,
      },
      audiences: matched,
    };
  }
}

function refused(reason: string): TokenReviewStatus {
  // kube wraps authenticator errors like this; callers match on `authenticated`, not on the text.
  return { authenticated: false, error: `[invalid bearer token, ${reason}]` };
}

function describeJoseError(err: unknown): string {
  const code = (err as { code?: string }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'token has expired';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'token signature is invalid';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `token claim is invalid: ${(err as Error).message}`;
    default:
      return 'token is malformed or not signed by this issuer';
  }
}
