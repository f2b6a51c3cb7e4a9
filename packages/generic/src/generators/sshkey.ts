// ESO's SSHKey generator: the key pair comes from node:crypto; sshpk writes it in OpenSSH's own
// formats (the `openssh-key-v1` private key ESO's golang.org/x/crypto/ssh writes, and the
// authorized_keys line), which node:crypto does not emit. The comment goes into both, as in ESO.

import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import type { Generator } from '@lockstep/core';
import sshpk from 'sshpk';
import type { SshKey } from '../api/sshkey-generator.ts';

type Spec = Partial<SshKey['spec']>;

const RSA_BITS = { min: 2048, max: 8192, default: 2048 };
const ECDSA_CURVES: Record<number, string> = { 256: 'P-256', 384: 'P-384', 521: 'P-521' };
const generate = promisify(generateKeyPair);

export function validateSshKeySpec(spec: Spec): string[] {
  const type = spec.keyType ?? 'rsa';
  const size = spec.keySize;
  if (type === 'rsa' && size !== undefined && (size < RSA_BITS.min || size > RSA_BITS.max || size % 8 !== 0)) {
    return [`keySize ${size} is not a usable RSA size: use 2048, 3072 or 4096 (a multiple of 8 from 2048 to 8192)`];
  }
  // ESO falls back to P-256 for any other size; Lockstep says so instead of choosing for the user.
  if (type === 'ecdsa' && size !== undefined && !ECDSA_CURVES[size]) {
    return [`keySize ${size} is not an ECDSA curve size: use 256, 384 or 521`];
  }
  if (spec.comment !== undefined && /[\r\n]/.test(spec.comment)) {
    return ['comment must be one line: an authorized_keys entry cannot hold a line break'];
  }
  return [];
}

/** The key pair as OpenSSH writes it: the private key PEM and the public key line (both ending in a newline). */
export async function generateSshKey(spec: Spec): Promise<{ privateKey: string; publicKey: string }> {
  const type = spec.keyType ?? 'rsa';
  const pair =
    type === 'ed25519'
      ? await generate('ed25519')
      : type === 'ecdsa'
        ? await generate('ec', { namedCurve: ECDSA_CURVES[spec.keySize ?? 256] ?? 'P-256' })
        : await generate('rsa', { modulusLength: spec.keySize ?? RSA_BITS.default });
  const key = sshpk.parsePrivateKey(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), 'pkcs8');
  const comment = spec.comment ?? '';
  key.comment = comment;
  const publicKey = key.toPublic();
  publicKey.comment = comment;
  // ESO's authorized_keys line: "<type> <base64>" plus " <comment>" when there is one.
  const line = publicKey.toString('ssh').trimEnd();
  return {
    privateKey: key.toString('openssh'),
    publicKey: `${comment ? line : line.split(' ').slice(0, 2).join(' ')}\n`,
  };
}

export const sshKeyGenerator: Generator<Spec> = {
  kind: 'SSHKey',
  validateSpec: (spec) => validateSshKeySpec(spec ?? {}),
  async generate(spec) {
    const { privateKey, publicKey } = await generateSshKey(spec ?? {});
    return { data: { privateKey: Buffer.from(privateKey), publicKey: Buffer.from(publicKey) } };
  },
};
