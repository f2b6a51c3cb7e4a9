import {
  ApiException,
  AuthorizationV1Api,
  CoreV1Api,
  type KubeConfig,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';

/** Creates the namespace unless it exists. */
export async function ensureNamespace(kc: KubeConfig, name: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await ignoreConflict(() => core.createNamespace({ body: { metadata: { name } } }));
}

/** Creates the namespace (if needed) and the service account unless it exists. */
export async function ensureServiceAccount(kc: KubeConfig, namespace: string, name: string): Promise<void> {
  await ensureNamespace(kc, namespace);
  const core = kc.makeApiClient(CoreV1Api);
  await ignoreConflict(() => core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } }));
}

/** A service-account token from the TokenRequest API, as a workload would get it. */
export async function serviceAccountToken(
  kc: KubeConfig,
  namespace: string,
  name: string,
  opts: { audiences?: string[]; expirationSeconds?: number } = {},
): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const res = await core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: {
      spec: { audiences: opts.audiences ?? [], expirationSeconds: opts.expirationSeconds ?? 3600 },
    },
  });
  const token = res.status?.token;
  if (!token) throw new Error(`TokenRequest for ${namespace}/${name} returned no token`);
  return token;
}

export const TOKEN_REVIEWER = { namespace: 'lockstep-sandbox', serviceAccount: 'openbao-token-reviewer' } as const;

/**
 * The JWT OpenBao's kubernetes auth presents when it calls TokenReview: a long-lived
 * TokenRequest token of a dedicated service account (what a real cluster setup uses).
 */
export async function tokenReviewerJwt(kc: KubeConfig): Promise<string> {
  await ensureServiceAccount(kc, TOKEN_REVIEWER.namespace, TOKEN_REVIEWER.serviceAccount);
  await grantTokenReview(kc, TOKEN_REVIEWER.namespace, TOKEN_REVIEWER.serviceAccount);
  return serviceAccountToken(kc, TOKEN_REVIEWER.namespace, TOKEN_REVIEWER.serviceAccount, {
    expirationSeconds: 365 * 24 * 3600,
  });
}

/** A real API server answers TokenReview only for callers bound to `system:auth-delegator`. */
export async function grantTokenReview(kc: KubeConfig, namespace: string, serviceAccount: string): Promise<void> {
  await bindClusterRole(kc, `lockstep-token-review-${namespace}-${serviceAccount}`, 'system:auth-delegator', {
    namespace,
    name: serviceAccount,
  });
}

/** Binds a ServiceAccount to a ClusterRole unless a binding of that name exists. */
export async function bindClusterRole(
  kc: KubeConfig,
  bindingName: string,
  clusterRole: string,
  serviceAccount: { namespace: string; name: string },
): Promise<void> {
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await ignoreConflict(() =>
    rbac.createClusterRoleBinding({
      body: {
        metadata: { name: bindingName },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
        subjects: [{ kind: 'ServiceAccount', ...serviceAccount }],
      },
    }),
  );
}

async function ignoreConflict(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    if (err instanceof ApiException && err.code === 409) return;
    throw err;
  }
}

/**
 * Lets a ServiceAccount use `verbs` on Secrets of `namespace` (a Role and a RoleBinding, as a
 * user grants it) and waits until the API server's authorizer says so: RBAC reaches the
 * authorizer's cache a moment after the write.
 */
export async function grantSecretAccess(
  kc: KubeConfig,
  namespace: string,
  serviceAccount: { namespace: string; name: string },
  verbs: string[],
  timeoutMs = 10_000,
): Promise<void> {
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const name = `secrets-${serviceAccount.namespace}-${serviceAccount.name}`;
  await ignoreConflict(() =>
    rbac.createNamespacedRole({
      namespace,
      body: { metadata: { name }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs }] },
    }),
  );
  await ignoreConflict(() =>
    rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ kind: 'ServiceAccount', ...serviceAccount }],
      },
    }),
  );
  const authz = kc.makeApiClient(AuthorizationV1Api);
  const user = `system:serviceaccount:${serviceAccount.namespace}:${serviceAccount.name}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const review = await authz.createSubjectAccessReview({
      body: { spec: { user, resourceAttributes: { namespace, verb: verbs[0], resource: 'secrets' } } },
    });
    if (review.status?.allowed) return;
    if (Date.now() > deadline)
      throw new Error(`RBAC for ${user} on secrets in ${namespace} not in effect after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
