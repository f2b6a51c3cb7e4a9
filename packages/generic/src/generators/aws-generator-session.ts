// The AWS identity of an STSSessionToken or ECRAuthorizationToken generator, built with the aws
// store's credential chain (credentials.ts): static keys from a Secret, or a service account's
// token exchanged for `role`, then `role` assumed. References resolve as a store's would: a
// namespaced generator reads the ExternalSecret's namespace only; a ClusterGenerator reads the
// namespace a reference names (allowed by its conditions, see cluster-generator-source.ts) or,
// when it names none, the ExternalSecret's (ESO's referent auth).

import type { GeneratorContext, StoreRef } from '@lockstep/core';
import type { AwsGeneratorAuth } from '../api/aws-generator-auth.ts';
import { type CredentialProvider, credentialsFor } from '../providers/aws/credentials.ts';

export interface AwsGeneratorSpec {
  region: string;
  role?: string;
  auth?: AwsGeneratorAuth;
}

const ROLE_ARN = /^arn:[\w-]+:iam::\d*:role\/.+$/;

/** What is wrong with the shared fields, each saying what to fix. */
export function validateAwsGeneratorSpec(spec: AwsGeneratorSpec, opts: { jwt: boolean }): string[] {
  const problems: string[] = [];
  if (!spec.region) problems.push('spec.region is required');
  if (spec.role !== undefined && !ROLE_ARN.test(spec.role)) {
    problems.push('spec.role must be an IAM role ARN like arn:aws:iam::123456789012:role/name');
  }
  const auth = spec.auth;
  // ESO falls back to the controller's own AWS identity; a tenant must never get that.
  if (!auth?.secretRef && !auth?.jwt) {
    problems.push(
      "spec.auth is required: set auth.secretRef (access keys in a Secret) or auth.jwt; a generator never uses the controller's own AWS identity",
    );
  }
  if (auth?.secretRef && auth.jwt) problems.push('spec.auth must set only one of secretRef and jwt');
  if (auth?.secretRef) {
    for (const field of ['accessKeyIDSecretRef', 'secretAccessKeySecretRef'] as const) {
      if (!auth.secretRef[field]?.key) problems.push(`spec.auth.secretRef.${field}.key is required`);
    }
  }
  if (auth?.jwt && !opts.jwt) {
    // As ESO: GetSessionToken needs IAM user credentials, which a web identity never is.
    problems.push('spec.auth.jwt cannot be used for STS session tokens: use auth.secretRef (an IAM user’s keys)');
  } else if (auth?.jwt && !spec.role) {
    problems.push('spec.role is required with auth.jwt: it is the role assumed with the token');
  }
  return problems;
}

export interface AwsGeneratorSession {
  credentials: CredentialProvider | undefined;
  /** Closes the STS clients the chain opened. */
  close(): void;
}

export function awsGeneratorSession(spec: AwsGeneratorSpec, kind: string, ctx: GeneratorContext): AwsGeneratorSession {
  const store: StoreRef = ctx.clusterGenerator
    ? { kind: 'ClusterSecretStore', name: ctx.clusterGenerator }
    : { kind: 'SecretStore', name: kind, namespace: ctx.namespace };
  const { credentials, stsClients } = credentialsFor(
    {
      service: 'SecretsManager',
      region: spec.region,
      ...(spec.role ? { role: spec.role } : {}),
      ...(spec.auth ? { auth: spec.auth } : {}),
    },
    { store, namespace: ctx.namespace, kube: ctx.kube },
    {},
  );
  return {
    credentials,
    close: () => {
      for (const c of stsClients) c.destroy();
    },
  };
}
