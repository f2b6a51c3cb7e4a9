// Every CRD vault-native serves.

import type { CrdSource } from '@lockstep/core';
import { vaultAuthCrd } from './vault-auth.ts';
import { vaultConnectionCrd } from './vault-connection.ts';
import { vaultDynamicSecretCrd } from './vault-dynamic-secret.ts';
import { vaultDynamicSecretGeneratorCrd } from './vault-dynamic-secret-generator.ts';
import { vaultPKISecretCrd } from './vault-pki-secret.ts';
import { vaultStaticSecretCrd } from './vault-static-secret.ts';

export const vaultNativeCrds: CrdSource[] = [
  vaultConnectionCrd,
  vaultAuthCrd,
  vaultStaticSecretCrd,
  vaultDynamicSecretCrd,
  vaultPKISecretCrd,
  vaultDynamicSecretGeneratorCrd,
];
