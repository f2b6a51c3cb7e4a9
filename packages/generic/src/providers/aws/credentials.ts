// Credentials of one AWS store, as ESO builds them: a base identity (static keys from a
// Secret, or the SDK default chain), then the roles of `additionalRoles` and `role` assumed
// in that order. With `auth.jwt`, a TokenRequest token is exchanged for `role` with
// AssumeRoleWithWebIdentity instead. Each link is cached until shortly before it expires,
// so a reused client neither logs in per call nor keeps stale keys for long.

import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { ProviderContext } from '@lockstep/core';
import type { AwsProvider as AwsProviderSpec } from '../../api/provider-aws.ts';
import { type CallObserver, observed } from '../call-observer.ts';
import { tryUtf8 } from '../json-property.ts';
import { readSelectedKey, selectorNamespace } from '../secret-selector.ts';
import { classifyAwsError } from './aws-errors.ts';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export type CredentialProvider = () => Promise<AwsCredentials>;

/** Refresh this long before expiry; the SDK itself refreshes 5 minutes ahead. */
const REFRESH_MARGIN_MS = 5 * 60_000;
/** Static keys are read again from their Secret this often (a rotated key is picked up). */
const STATIC_KEY_TTL_MS = 10 * 60_000;
const TOKEN_SECONDS = 3600;

export interface CredentialDeps {
  onCall?: CallObserver;
  now?: () => number;
}

export interface StoreCredentials {
  /** Undefined means: let the SDK resolve its default chain (env, profile, IRSA, IMDS). */
  credentials: CredentialProvider | undefined;
  /** STS clients that assume the roles; closed with the store's client. */
  stsClients: STSClient[];
}

type Ctx = Pick<ProviderContext, 'store' | 'namespace' | 'kube'>;

export function credentialsFor(spec: AwsProviderSpec, ctx: Ctx, deps: CredentialDeps): StoreCredentials {
  const now = deps.now ?? Date.now;
  const sessionName = roleSessionName(ctx);
  const stsClients: STSClient[] = [];
  const jwt = spec.auth?.jwt;

  if (jwt && spec.role) {
    const role = spec.role;
    const sa = jwt.serviceAccountRef;
    const namespace = selectorNamespace(sa, ctx);
    // AssumeRoleWithWebIdentity is unsigned: the token is the credential.
    const sts = new STSClient({ region: spec.region });
    stsClients.push(sts);
    const credentials = cached(now, async () => {
      const { token } = await ctx.kube.requestServiceAccountToken({
        namespace,
        serviceAccountName: sa.name,
        audiences: sa.audiences ?? ['sts.amazonaws.com'],
        expirationSeconds: TOKEN_SECONDS,
      });
      const answer = await observed(
        deps.onCall,
        'AssumeRoleWithWebIdentity',
        () =>
          sts.send(
            new AssumeRoleWithWebIdentityCommand({
              RoleArn: role,
              RoleSessionName: sessionName,
              WebIdentityToken: token,
            }),
          ),
        (err) => classifyAwsError(err, `role "${role}" (web identity of ${namespace}/${sa.name})`),
      );
      return fromSts(answer.Credentials, role);
    });
    return { credentials, stsClients };
  }

  const secretRef = spec.auth?.secretRef;
  let credentials: CredentialProvider | undefined = secretRef
    ? cached(now, async () => ({
        accessKeyId: await readText(ctx, secretRef.accessKeyIDSecretRef),
        secretAccessKey: await readText(ctx, secretRef.secretAccessKeySecretRef),
        ...(secretRef.sessionTokenSecretRef
          ? { sessionToken: await readText(ctx, secretRef.sessionTokenSecretRef) }
          : {}),
        expiration: new Date(now() + STATIC_KEY_TTL_MS),
      }))
    : undefined;

  const chain = [...(spec.additionalRoles ?? []), ...(spec.role ? [spec.role] : [])];
  chain.forEach((role, i) => {
    const last = i === chain.length - 1;
    const sts = new STSClient({ region: spec.region, ...(credentials ? { credentials } : {}) });
    stsClients.push(sts);
    credentials = cached(now, async () => {
      const answer = await observed(
        deps.onCall,
        'AssumeRole',
        () =>
          sts.send(
            new AssumeRoleCommand({
              RoleArn: role,
              RoleSessionName: sessionName,
              // ESO passes the external id, session tags and transitive keys with the store's own role.
              ...(last && spec.externalID ? { ExternalId: spec.externalID } : {}),
              ...(last && spec.sessionTags
                ? { Tags: spec.sessionTags.map((t) => ({ Key: t.key, Value: t.value })) }
                : {}),
              ...(last && spec.transitiveTagKeys ? { TransitiveTagKeys: spec.transitiveTagKeys } : {}),
            }),
          ),
        (err) => classifyAwsError(err, `role "${role}"`),
      );
      return fromSts(answer.Credentials, role);
    });
  });
  return { credentials, stsClients };
}

async function readText(ctx: Ctx, ref: { name: string; key?: string; namespace?: string }): Promise<string> {
  const bytes = await readSelectedKey(ctx, ref, 'aws');
  // Keys are ASCII; a trailing newline (from `kubectl create secret --from-file`) is a common slip.
  return (tryUtf8(bytes) ?? '').trim();
}

function fromSts(
  creds: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date } | undefined,
  role: string,
): AwsCredentials {
  if (!creds?.AccessKeyId || !creds.SecretAccessKey) {
    throw classifyAwsError({ name: 'InternalFailure', message: 'STS answered without credentials' }, `role "${role}"`);
  }
  return {
    accessKeyId: creds.AccessKeyId,
    secretAccessKey: creds.SecretAccessKey,
    ...(creds.SessionToken ? { sessionToken: creds.SessionToken } : {}),
    ...(creds.Expiration ? { expiration: creds.Expiration } : {}),
  };
}

/** Caches a credential source until shortly before it expires; a failure is not cached. */
function cached(now: () => number, load: () => Promise<AwsCredentials>): CredentialProvider {
  let current: Promise<AwsCredentials> | undefined;
  let expiresAt = 0;
  return () => {
    if (current && now() < expiresAt - REFRESH_MARGIN_MS) return current;
    const attempt = load();
    current = attempt;
    expiresAt = Number.POSITIVE_INFINITY;
    attempt.then(
      (creds) => {
        if (current === attempt) expiresAt = creds.expiration?.getTime() ?? Number.POSITIVE_INFINITY;
      },
      () => {
        if (current === attempt) current = undefined;
      },
    );
    return attempt;
  };
}

/** Shows up in CloudTrail; a cluster store's client may serve several namespaces. */
function roleSessionName(ctx: Ctx): string {
  const owner = ctx.store.kind === 'SecretStore' ? ctx.namespace : 'cluster';
  return `lockstep-${owner}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}
