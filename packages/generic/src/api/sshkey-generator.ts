// SSHKey generator (ESO generators.external-secrets.io/v1alpha1 SSHKey): an SSH key pair,
// `privateKey` in OpenSSH format and `publicKey` in authorized_keys format.

import {
  type CrdSource,
  GENERATOR_CATEGORIES,
  GENERATORS_GROUP,
  GENERATORS_VERSION,
  KubeObject,
  StringEnum,
} from '@lockstep/core';
import { type Static, Type } from 'typebox';
import { GeneratorStatusSchema } from './password-generator.ts';

export const SshKeySpecSchema = Type.Object({
  keyType: StringEnum(['rsa', 'ecdsa', 'ed25519'] as const, { default: 'rsa', description: 'SSH key type.' }),
  keySize: Type.Optional(
    Type.Integer({
      minimum: 256,
      maximum: 8192,
      description:
        'RSA: 2048 (default), 3072, 4096 or up to 8192 bits; ECDSA: 256 (default), 384 or 521; ignored for ed25519.',
    }),
  ),
  comment: Type.Optional(
    Type.String({ description: 'Comment appended to the public key and kept in the private key.' }),
  ),
});

export const SshKeySchema = KubeObject(SshKeySpecSchema, GeneratorStatusSchema, {
  description: 'SSHKey generator: an SSH key pair per ExternalSecret refresh (`privateKey`, `publicKey`).',
});
export type SshKey = Static<typeof SshKeySchema>;

export const sshKeyCrd: CrdSource = {
  group: GENERATORS_GROUP,
  version: GENERATORS_VERSION,
  kind: 'SSHKey',
  plural: 'sshkeys',
  singular: 'sshkey',
  scope: 'Namespaced',
  shortNames: [],
  categories: GENERATOR_CATEGORIES,
  schema: SshKeySchema,
  printerColumns: [],
};
