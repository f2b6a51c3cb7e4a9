import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { requirePeerEnv } from '../testing/peers.ts';
import { EXAMPLE_AWS_PARAMETERS, EXAMPLE_AWS_SECRETS } from './moto.ts';

describe('moto as AWS Secrets Manager and Parameter Store', () => {
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

  it('reads the seeded Parameter Store parameters back, a SecureString decrypted, through AWS_ENDPOINT_URL_SSM', async () => {
    requirePeerEnv('moto', 'AWS_ENDPOINT_URL_SSM');
    const client = new SSMClient({});
    try {
      for (const [name, { type, value }] of Object.entries(EXAMPLE_AWS_PARAMETERS)) {
        const res = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
        assert.deepEqual([res.Parameter?.Type, res.Parameter?.Value], [type, value], name);
      }
      assert.deepEqual(
        Object.values(EXAMPLE_AWS_PARAMETERS)
          .map((p) => p.type)
          .sort(),
        ['SecureString', 'String'],
      );
    } finally {
      client.destroy();
    }
  });
});
