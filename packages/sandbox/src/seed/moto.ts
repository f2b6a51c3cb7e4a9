import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { MotoPeer } from '../peers/moto.ts';

/** Example secrets put into moto: name -> SecretString. */
export const EXAMPLE_AWS_SECRETS: Record<string, string> = {
  'lockstep/app/config': JSON.stringify({ username: 'app', password: 'correct-horse-battery-staple' }),
  'lockstep/app/api-key': 'sk-sandbox-0123456789abcdef',
};

export type MotoConnection = Pick<MotoPeer, 'endpoint' | 'region' | 'accessKeyId' | 'secretAccessKey'>;

export function secretsManagerClient(moto: MotoConnection): SecretsManagerClient {
  return new SecretsManagerClient({
    endpoint: moto.endpoint,
    region: moto.region,
    credentials: { accessKeyId: moto.accessKeyId, secretAccessKey: moto.secretAccessKey },
  });
}

/** Creates (or updates) the example secrets; returns their names. */
export async function seedMoto(
  moto: MotoConnection,
  secrets: Record<string, string> = EXAMPLE_AWS_SECRETS,
): Promise<{ secretNames: string[] }> {
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
  return { secretNames: Object.keys(secrets) };
}
