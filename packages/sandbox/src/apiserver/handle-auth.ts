import { timestamp } from './context.ts';
import { objectBody } from './handle-write.ts';
import { isRecord } from './kube-object.ts';
import type { Reply, ResourceRequest } from './resource-request.ts';
import { invalid, notFound } from './status-errors.ts';

const AUTHN = 'authentication.k8s.io/v1';

/** POST serviceaccounts/{name}/token: a signed service account JWT (TokenRequest). */
export async function handleTokenRequest(r: ResourceRequest): Promise<Reply> {
  const { ctx } = r;
  const name = r.route.name ?? '';
  const namespace = r.route.namespace ?? '';
  const sa = ctx.store.get(r.rt.storageKey, namespace, name);
  if (!sa) throw notFound(r.rt, name);
  const body = objectBody(r);
  const spec = isRecord(body.spec) ? body.spec : {};
  const audiences =
    Array.isArray(spec.audiences) && spec.audiences.length > 0 ? (spec.audiences as string[]) : ctx.apiAudiences;
  const expirationSeconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : 3600;
  if (expirationSeconds < 600) {
    throw invalid('authentication.k8s.io', 'TokenRequest', name, [
      {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes`,
        field: 'spec.expirationSeconds',
      },
    ]);
  }
  const bound = isRecord(spec.boundObjectRef)
    ? (spec.boundObjectRef as { kind: string; name: string; uid?: string })
    : undefined;
  const issued = await ctx.tokenIssuer.issue(
    {
      namespace,
      serviceAccountName: name,
      serviceAccountUid: sa.metadata.uid ?? '',
      audiences,
      expirationSeconds,
      ...(bound ? { boundObjectRef: bound } : {}),
    },
    ctx.now(),
  );
  return {
    code: 201,
    body: {
      kind: 'TokenRequest',
      apiVersion: AUTHN,
      metadata: { name, namespace, creationTimestamp: timestamp(ctx.now()) },
      spec: { audiences, expirationSeconds, boundObjectRef: bound ?? null },
      status: issued,
    },
  };
}

/** POST (self)subjectaccessreviews: everything is allowed, since the sandbox does not enforce RBAC. */
export function handleAccessReview(r: ResourceRequest): Reply {
  const body = objectBody(r);
  return {
    code: 201,
    body: {
      kind: r.rt.kind,
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: body.spec ?? {},
      status: { allowed: true, reason: 'the sandbox API server does not enforce RBAC' },
    },
  };
}

/** POST tokenreviews: authenticates a bearer token the way kube-apiserver does for OpenBao and friends. */
export async function handleTokenReview(r: ResourceRequest, adminToken: string): Promise<Reply> {
  const { ctx } = r;
  const body = objectBody(r);
  const spec = isRecord(body.spec) ? body.spec : {};
  const token = typeof spec.token === 'string' ? spec.token : '';
  const requested =
    Array.isArray(spec.audiences) && spec.audiences.length > 0 ? (spec.audiences as string[]) : undefined;
  let status: object;
  if (token !== '' && token === adminToken) {
    status = {
      authenticated: true,
      user: { username: 'admin', groups: ['system:masters', 'system:authenticated'] },
      audiences: requested ?? ctx.apiAudiences,
    };
  } else {
    status = await ctx.tokenIssuer.review(token, requested ?? ctx.apiAudiences, ctx.now(), (ns, name, uid) => {
      const sa = ctx.store.get('/serviceaccounts', ns, name);
      return sa !== undefined && sa.metadata.uid === uid;
    });
  }
  return {
    code: 201,
    body: {
      kind: 'TokenReview',
      apiVersion: AUTHN,
      metadata: { creationTimestamp: null },
      spec: { token, ...(requested ? { audiences: requested } : {}) },
      status,
    },
  };
}
