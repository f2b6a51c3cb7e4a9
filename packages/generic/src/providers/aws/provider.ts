// The `aws` provider: validates `spec.provider.aws` and builds one Secrets Manager or
// Parameter Store client per store configuration. The endpoint is left to the SDK, so
// AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL_SSM (and AWS_ENDPOINT_URL_STS for roles)
// point it at moto in tests.

import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import {
  BackendError,
  credentialNamespace,
  type Provider,
  type ProviderContext,
  type ProviderRegistration,
  type StoreRef,
} from '@lockstep/core';
import { AwsProviderSchema, type AwsProvider as AwsProviderSpec } from '../../api/provider-aws.ts';
import type { CallObserver } from '../call-observer.ts';
import { stableKey } from '../client-key.ts';
import type { GenericProviderDeps } from '../generic-provider-deps.ts';
import { checkNamespace, checkSecretSelector } from '../secret-selector.ts';
import { AwsSecretsManagerClient } from './client.ts';
import { credentialsFor } from './credentials.ts';
import { AwsParameterStoreClient } from './parameter-store-client.ts';

export interface AwsProviderDeps {
  /** Reads asked within this window share one BatchGetSecretValue (or GetParameters) call; default 10 ms. */
  batchWindowMs?: number;
  /** ListSecrets page size for find; default 100 (the AWS maximum). */
  listPageSize?: number;
  /** Called once per AWS API call (STS, Secrets Manager or SSM), for metrics. */
  onCall?: CallObserver;
  now?: () => number;
  /**
   * Lets a ClusterSecretStore without `auth` use the controller's own AWS identity (the SDK
   * default chain: IRSA, pod identity, node role, environment). Off by default; a namespaced
   * SecretStore never may, whatever this says.
   */
  allowClusterStoreAmbientCredentials?: boolean;
}

/** What validation needs of the deps: whether cluster stores may use the ambient identity. */
export type AwsSpecPolicy = Pick<AwsProviderDeps, 'allowClusterStoreAmbientCredentials'>;

const ROLE_ARN = /^arn:[\w-]+:iam::\d*:role\/.+$/;

export function validateAwsSpec(spec: AwsProviderSpec, store: StoreRef, policy: AwsSpecPolicy = {}): string[] {
  const problems: string[] = [];
  const ambient = ambientCredentialsProblem(spec, store, policy);
  if (ambient) problems.push(ambient);
  if (spec.service !== 'SecretsManager' && spec.service !== 'ParameterStore') {
    problems.push(`spec.provider.aws.service must be SecretsManager or ParameterStore (got "${spec.service ?? ''}")`);
  }
  if (spec.service === 'ParameterStore' && spec.secretsManager) {
    problems.push('spec.provider.aws.secretsManager applies to service SecretsManager only: remove it');
  }
  if (!spec.region) problems.push('spec.provider.aws.region is required');
  if (spec.role !== undefined && !ROLE_ARN.test(spec.role)) {
    problems.push('spec.provider.aws.role must be an IAM role ARN like arn:aws:iam::123456789012:role/name');
  }
  (spec.additionalRoles ?? []).forEach((role, i) => {
    if (!ROLE_ARN.test(role)) problems.push(`spec.provider.aws.additionalRoles[${i}] must be an IAM role ARN`);
  });
  const auth = spec.auth;
  if (auth?.secretRef && auth.jwt) problems.push('spec.provider.aws.auth must set only one of secretRef and jwt');
  if (auth?.secretRef) {
    const path = 'spec.provider.aws.auth.secretRef';
    problems.push(...checkSecretSelector(`${path}.accessKeyIDSecretRef`, auth.secretRef.accessKeyIDSecretRef, store));
    problems.push(
      ...checkSecretSelector(`${path}.secretAccessKeySecretRef`, auth.secretRef.secretAccessKeySecretRef, store),
    );
    if (auth.secretRef.sessionTokenSecretRef) {
      problems.push(
        ...checkSecretSelector(`${path}.sessionTokenSecretRef`, auth.secretRef.sessionTokenSecretRef, store),
      );
    }
  }
  if (auth?.jwt) {
    const sa = auth.jwt.serviceAccountRef;
    if (!sa?.name) problems.push('spec.provider.aws.auth.jwt.serviceAccountRef.name is required');
    problems.push(...checkNamespace('spec.provider.aws.auth.jwt.serviceAccountRef', sa?.namespace, store));
    // The role is not read from the ServiceAccount's eks.amazonaws.com/role-arn annotation: name it here.
    if (!spec.role)
      problems.push('spec.provider.aws.role is required with auth.jwt: it is the role assumed with the token');
  }
  const days = spec.secretsManager?.recoveryWindowInDays;
  if (days !== undefined && (days < 7 || days > 30)) {
    problems.push('spec.provider.aws.secretsManager.recoveryWindowInDays must be between 7 and 30');
  }
  if (days !== undefined && spec.secretsManager?.forceDeleteWithoutRecovery) {
    problems.push(
      'spec.provider.aws.secretsManager: set only one of recoveryWindowInDays and forceDeleteWithoutRecovery',
    );
  }
  return problems;
}

/**
 * A store without `auth` would borrow the controller's own AWS identity: whatever IRSA, pod
 * identity, the node role or the environment grant the controller, and every role that trusts
 * it. A tenant who can create a SecretStore must never get that, so a namespaced store is
 * refused; a ClusterSecretStore (created by a cluster administrator) only with the opt-in flag.
 */
function ambientCredentialsProblem(spec: AwsProviderSpec, store: StoreRef, policy: AwsSpecPolicy): string | undefined {
  if (spec.auth?.secretRef || spec.auth?.jwt) return undefined;
  if (store.kind === 'SecretStore') {
    return "spec.provider.aws.auth is required in a SecretStore: set auth.secretRef (access keys in a Secret) or auth.jwt (a service account's token): a namespaced store never uses the controller's own AWS identity";
  }
  if (policy.allowClusterStoreAmbientCredentials) return undefined;
  return "spec.provider.aws.auth is required: set auth.secretRef or auth.jwt; using the controller's own AWS identity from a ClusterSecretStore needs the controller flag --allow-cluster-store-ambient-credentials (chart value allowClusterStoreAmbientCredentials)";
}

/**
 * Equal keys share one client. Credentials read from the store's namespace (or, for a
 * ClusterSecretStore, the ExternalSecret's) make the namespace part of the identity.
 */
export function awsClientKey(spec: AwsProviderSpec, ctx: ProviderContext): string {
  const secretRef = spec.auth?.secretRef;
  const refs = [
    secretRef?.accessKeyIDSecretRef,
    secretRef?.secretAccessKeySecretRef,
    secretRef?.sessionTokenSecretRef,
    spec.auth?.jwt?.serviceAccountRef,
  ];
  const namespace = credentialNamespace(ctx, refs);
  return stableKey({ provider: 'aws', kind: ctx.store.kind, ...(namespace ? { namespace } : {}), spec });
}

export function createAwsProvider(deps: AwsProviderDeps = {}): Provider<AwsProviderSpec> {
  return {
    name: 'aws',
    capabilities: 'ReadWrite',
    validateSpec: (spec, store) => validateAwsSpec(spec, store, deps),
    clientKey: awsClientKey,
    async newClient(spec: AwsProviderSpec, ctx: ProviderContext) {
      // Checked again here: a caller that skipped validateSpec must not get the ambient identity.
      const ambient = ambientCredentialsProblem(spec, ctx.store, deps);
      if (ambient) throw new BackendError('InvalidInput', 'aws', ambient);
      const { credentials, stsClients } = credentialsFor(spec, ctx, {
        ...(deps.onCall ? { onCall: deps.onCall } : {}),
        ...(deps.now ? { now: deps.now } : {}),
      });
      const options = { batchWindowMs: deps.batchWindowMs ?? 10, ...(deps.onCall ? { onCall: deps.onCall } : {}) };
      if (spec.service === 'ParameterStore') {
        const ssm = new SSMClient({ region: spec.region, ...(credentials ? { credentials } : {}) });
        return new AwsParameterStoreClient({ ssm, stsClients, credentials, spec, options });
      }
      const sm = new SecretsManagerClient({ region: spec.region, ...(credentials ? { credentials } : {}) });
      return new AwsSecretsManagerClient({
        sm,
        stsClients,
        credentials,
        spec,
        options: {
          ...options,
          listPageSize: deps.listPageSize ?? 100,
          // Keys of queued ExternalSecrets join the batches of reads made now (read-ahead.ts).
          ...(ctx.upcoming ? { upcoming: ctx.upcoming } : {}),
        },
      });
    },
  };
}

/** Its client reports every AWS API call (BatchGetSecretValue, GetParameters, ListSecrets, AssumeRole, …). */
export const awsRegistration: ProviderRegistration<GenericProviderDeps> = {
  name: 'aws',
  schema: AwsProviderSchema,
  metrics: 'client',
  create: (deps, { onCall }) =>
    createAwsProvider({
      onCall,
      ...(deps.awsBatchWindowMs !== undefined ? { batchWindowMs: deps.awsBatchWindowMs } : {}),
      allowClusterStoreAmbientCredentials: deps.allowClusterStoreAmbientCredentials,
      ...(deps.now ? { now: deps.now } : {}),
    }),
};
