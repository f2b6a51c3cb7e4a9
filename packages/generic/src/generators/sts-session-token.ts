// ESO's STSSessionToken generator: sts:GetSessionToken with the generator's identity, answered
// as ESO answers it (access_key_id, secret_access_key, session_token, expiration in Unix seconds).
// The endpoint is the SDK's own (AWS_ENDPOINT_URL_STS points it at moto in tests).

import { GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { BackendError, type Generator } from '@lockstep/core';
import type { StsSessionToken } from '../api/sts-session-token-generator.ts';
import { classifyAwsError } from '../providers/aws/aws-errors.ts';
import { awsGeneratorSession, validateAwsGeneratorSpec } from './aws-generator-session.ts';

type Spec = StsSessionToken['spec'];

export const stsSessionTokenGenerator: Generator<Spec> = {
  kind: 'STSSessionToken',
  validateSpec: (spec) => validateAwsGeneratorSpec(spec, { jwt: false }),
  async generate(spec, ctx) {
    const session = awsGeneratorSession(spec, 'STSSessionToken', ctx);
    const sts = new STSClient({
      region: spec.region,
      ...(session.credentials ? { credentials: session.credentials } : {}),
    });
    try {
      const params = spec.requestParameters;
      const answer = await sts
        .send(
          new GetSessionTokenCommand({
            ...(params?.sessionDuration !== undefined ? { DurationSeconds: params.sessionDuration } : {}),
            ...(params?.serialNumber ? { SerialNumber: params.serialNumber } : {}),
            ...(params?.tokenCode ? { TokenCode: params.tokenCode } : {}),
          }),
        )
        .catch((err: unknown) => {
          throw classifyAwsError(err, 'sts:GetSessionToken');
        });
      const c = answer.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
        throw new BackendError('Unavailable', 'aws', 'sts:GetSessionToken answered without credentials');
      }
      return {
        data: {
          access_key_id: Buffer.from(c.AccessKeyId),
          secret_access_key: Buffer.from(c.SecretAccessKey),
          session_token: Buffer.from(c.SessionToken),
          expiration: Buffer.from(String(Math.floor(c.Expiration.getTime() / 1000))),
        },
      };
    } finally {
      sts.destroy();
      session.close();
    }
  },
};
