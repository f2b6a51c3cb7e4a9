// Which Entra ID signs the tokens and which Key Vault resource they are for, per
// `environmentType` (ESO's table), with `customCloudConfig` taking precedence.

import type { AzureKvProvider } from '../../api/provider-azurekv.ts';

const AUTHORITY: Record<string, string> = {
  PublicCloud: 'https://login.microsoftonline.com',
  USGovernmentCloud: 'https://login.microsoftonline.us',
  ChinaCloud: 'https://login.chinacloudapi.cn',
  GermanCloud: 'https://login.microsoftonline.de',
};

const KEY_VAULT_RESOURCE: Record<string, string> = {
  PublicCloud: 'https://vault.azure.net',
  USGovernmentCloud: 'https://vault.usgovcloudapi.net',
  ChinaCloud: 'https://vault.azure.cn',
  GermanCloud: 'https://vault.microsoftazure.de',
};

type CloudSpec = Pick<AzureKvProvider, 'environmentType' | 'customCloudConfig' | 'vaultUrl'>;

export function authorityHost(spec: CloudSpec): string {
  const custom = spec.customCloudConfig?.activeDirectoryEndpoint;
  if (custom) return custom.replace(/\/+$/, '');
  return AUTHORITY[spec.environmentType ?? 'PublicCloud'] ?? (AUTHORITY.PublicCloud as string);
}

/** The OAuth scope of a Key Vault token: `<resource>/.default`. */
export function keyVaultScope(spec: CloudSpec): string {
  const custom = spec.customCloudConfig?.keyVaultEndpoint;
  if (custom) return `${custom.replace(/\/+$/, '')}/.default`;
  const known = KEY_VAULT_RESOURCE[spec.environmentType ?? 'PublicCloud'];
  if (known && spec.environmentType !== 'AzureStackCloud') return `${known}/.default`;
  // Azure Stack: the vault's own domain without its first label (https://vault.local.azurestack.external).
  const host = new URL(spec.vaultUrl).host;
  return `https://${host.split('.').slice(1).join('.')}/.default`;
}
