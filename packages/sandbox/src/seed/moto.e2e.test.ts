import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { requirePeerEnv } from '../testing/peers.ts';
import { EXAMPLE_AWS_SECRETS } from './moto.ts';

describe('moto as AWS Secrets Manager', () => {
  it('reads the seeded secret back through the AWS SDK configured only by the environment', async () => {
    requirePeerEnv('moto');
    // No endpoint or credentials in code: AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_REGION and the keys come from env.
    const client = new SecretsManagerClient({});
    try {
      const res = await client.send(new GetSecretValueCommand({ SecretId: 'lockstep/app/config' }));
      assert.equal(res.SecretString, EXAMPLE_AWS_SECRETS['lockstep/app/config']);
      assert.deepEqual(res.VersionStages, ['AWSCURRENT']);
    } finally {
      client.destroy();
    }
  });
});
