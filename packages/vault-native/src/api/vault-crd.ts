// What every VSO-compatible kind's CRD has in common: the vault.lockstep.dev group and
// version, the `vault` categories, namespaced scope, and names derived from the kind.

import { type CrdSource, type PrinterColumn, VAULT_CATEGORIES, VAULT_GROUP, VAULT_VERSION } from '@lockstep/core';
import type { TSchema } from 'typebox';

export function vaultCrd(
  kind: string,
  schema: TSchema,
  names: { shortNames: string[]; printerColumns: PrinterColumn[] },
): CrdSource {
  const singular = kind.toLowerCase();
  return {
    group: VAULT_GROUP,
    version: VAULT_VERSION,
    kind,
    plural: `${singular}s`,
    singular,
    scope: 'Namespaced',
    shortNames: names.shortNames,
    categories: VAULT_CATEGORIES,
    schema,
    printerColumns: names.printerColumns,
  };
}
