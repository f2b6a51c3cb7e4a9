import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { MotoPeer } from '../peers/moto.ts';

/** Example secrets put into moto: name -> SecretString. */
export const EXAMPLE_AWS_SECRETS: Record<string, string> = {
  'lockstep/app/config': JSON.stringify({ username: 'app', password: 'correct-horse-battery-staple' }),
  'lockstep/app/api-key': 'sk-sandbox-0123456789abcdef',
};

export interface ExampleParameter {
  type: 'String' | 'SecureString';
  value: string;
}

/** Example Parameter Store parameters put into moto: name -> type and value. */
export const EXAMPLE_AWS_PARAMETERS: Record<string, ExampleParameter> = {
  '/lockstep/app/db-host': { type: 'String', value: 'db.payments.svc.cluster.local' },
  '/lockstep/app/db-password': { type: 'SecureString', value: 'ssm-sandbox-Passw0rd-7c41' },
};

export type MotoConnection = Pick<MotoPeer, 'endpoint' | 'region' | 'accessKeyId' | 'secretAccessKey'>;

/** moto serves every AWS service on one port: one client configuration for all of them. */
function motoClientConfig(moto: MotoConnection) {
  return {
    endpoint: moto.endpoint,
    region: moto.region,
    credentials: { accessKeyId: moto.accessKeyId, secretAccessKey: moto.secretAccessKey },
  };
}

export function secretsManagerClient(moto: MotoConnection): SecretsManagerClient {
  return new SecretsManagerClient(motoClientConfig(moto));
}

export function ssmClient(moto: MotoConnection): SSMClient {
  return new SSMClient(motoClientConfig(moto));
}

/** Creates (or updates) the example secrets and parameters; returns their names. */
export async function seedMoto(
  moto: MotoConnection,
  secrets: Record<string, string> = EXAMPLE_AWS_SECRETS,
  parameters: Record<string, ExampleParameter> = EXAMPLE_AWS_PARAMETERS,
): Promise<{ secretNames: string[]; parameterNames: string[] }> {
  const client = secretsManagerClient(moto);
  try {
    for (const [name, value] of Object.entries(secrets)) {
      try {
        await client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
      } catch (err) {
        if ((err as Error).name !== 'ResourceExistsException') throw err;
        await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
      }
    }
  } finally {
    client.destroy();
  }
  const ssm = ssmClient(moto);
  try {
    for (const [name, { type, value }] of Object.entries(parameters)) {
      await ssm.send(new PutParameterCommand({ Name: name, Type: type, Value: value, Overwrite: true }));
    }
  } finally {
    ssm.destroy();
  }
  return { secretNames: Object.keys(secrets), parameterNames: Object.keys(parameters) };
}
