// The models the flags enable, each wired by its own package over the same ModelDeps.

import type { Model } from '@lockstep/core';
import { genericControllers } from '@lockstep/generic';
import { vaultNativeControllers } from '@lockstep/vault-native';
import type { Clients } from './clients.ts';
import type { Flags } from './flags.ts';

export function createModels(flags: Flags, clients: Clients): Model[] {
  const models: Model[] = [];
  if (flags.enableGeneric) {
    models.push(
      genericControllers(clients.deps, {
        registry: clients.registry,
        coalesceWindowMs: flags.coalesceWindowMs,
        controllerClass: flags.controllerClass,
        generatorGcGraceMs: flags.generatorGcGraceMs,
      }),
    );
  }
  if (flags.enableVaultNative) {
    const engine = vaultNativeControllers(clients.deps, {
      controllerNamespace: flags.controllerNamespace,
      tokens: clients.vault.tokens,
      clients: clients.vault.clients,
      refuseInsecureTransport: flags.refuseInsecureTransport,
    });
    // A VaultAuth with spec.storageEncryption in the controller namespace switches the sealing of
    // login tokens to its transit key once the engine runs.
    clients.cipher.useTransit(() => engine.storageEncryption.cipher());
    models.push(engine);
  }
  return models;
}
