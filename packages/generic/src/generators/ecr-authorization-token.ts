// ESO's ECRAuthorizationToken generator: ecr:GetAuthorizationToken with the generator's identity.
// The token is base64 of "user:password"; the answer is ESO's keys (username, password,
// proxy_endpoint, expires_at in Unix seconds). The endpoint is the SDK's own
// (AWS_ENDPOINT_URL_ECR; ESO reads AWS_ECR_ENDPOINT). ECR Public (`scope: public`) is refused:
// no peer serves it to test against.

import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { BackendError, type Generator } from '@lockstep/core';
import type { EcrAuthorizationToken } from '../api/ecr-authorization-token-generator.ts';
import { classifyAwsError } from '../providers/aws/aws-errors.ts';
import { awsGeneratorSession, validateAwsGeneratorSpec } from './aws-generator-session.ts';

type Spec = EcrAuthorizationToken['spec'];

export function validateEcrSpec(spec: Spec): string[] {
  const problems = validateAwsGeneratorSpec(spec, { jwt: true });
  if (spec.scope === 'public')
    problems.push('spec.scope public (ECR Public) is not served yet: remove scope for the private registry');
  else if (spec.scope !== undefined && spec.scope !== '' && spec.scope !== 'private') {
    problems.push(`spec.scope must be private or public (got "${spec.scope}")`);
  }
  return problems;
}

export const ecrAuthorizationTokenGenerator: Generator<Spec> = {
  kind: 'ECRAuthorizationToken',
  validateSpec: validateEcrSpec,
  async generate(spec, ctx) {
    const session = awsGeneratorSession(spec, 'ECRAuthorizationToken', ctx);
    const ecr = new ECRClient({
      region: spec.region,
      ...(session.credentials ? { credentials: session.credentials } : {}),
    });
    try {
      const answer = await ecr.send(new GetAuthorizationTokenCommand({})).catch((err: unknown) => {
        throw classifyAwsError(err, 'ecr:GetAuthorizationToken');
      });
      const data = answer.authorizationData ?? [];
      if (data.length !== 1) {
        throw new BackendError(
          'Unavailable',
          'aws',
          `ecr:GetAuthorizationToken answered ${data.length} tokens, expected 1`,
        );
      }
      const [entry] = data;
      const decoded = Buffer.from(entry?.authorizationToken ?? '', 'base64').toString();
      const parts = decoded.split(':');
      if (parts.length !== 2 || !entry?.expiresAt) {
        throw new BackendError(
          'Unavailable',
          'aws',
          'ecr:GetAuthorizationToken answered a token that is not user:password',
        );
      }
      return {
        data: {
          username: Buffer.from(parts[0] ?? ''),
          password: Buffer.from(parts[1] ?? ''),
          proxy_endpoint: Buffer.from(entry.proxyEndpoint ?? ''),
          expires_at: Buffer.from(String(Math.floor(entry.expiresAt.getTime() / 1000))),
        },
      };
    } finally {
      ecr.destroy();
      session.close();
    }
  },
};
