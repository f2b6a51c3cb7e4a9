// The token cipher the controller persists login tokens with (SPEC §2 point 5), honouring VSO's
// `VaultAuth.spec.storageEncryption`: while the controller namespace holds a VaultAuth that sets
// it, every save is sealed with that transit key; otherwise with the local key. Opening looks at
// the ciphertext (`vault:` is transit's), so tokens sealed before a switch, either way, still
// open and are re-sealed on their next save.

import type { TokenCipher } from './token-cipher.ts';
import { isTransitCiphertext } from './transit-token-cipher.ts';

/** The transit cipher in force, or undefined for the local key. Throws while that cannot be known yet. */
export type TransitCipherSource = () => Promise<TokenCipher | undefined>;

export class StorageEncryptionCipher implements TokenCipher {
  readonly #local: TokenCipher;
  #transit: TransitCipherSource | undefined;

  constructor(local: TokenCipher) {
    this.#local = local;
  }

  get kind(): string {
    return this.#transit ? `${this.#local.kind} or VaultAuth storageEncryption` : this.#local.kind;
  }

  /** From now on, seal with what `source` answers. Without a source (no Vault-native engine), the local key. */
  useTransit(source: TransitCipherSource): void {
    this.#transit = source;
  }

  async encrypt(identity: string, plaintext: string): Promise<string> {
    const transit = await this.#transit?.();
    return (transit ?? this.#local).encrypt(identity, plaintext);
  }

  async decrypt(identity: string, ciphertext: string): Promise<string | undefined> {
    if (!isTransitCiphertext(ciphertext)) return this.#local.decrypt(identity, ciphertext);
    const transit = await this.#transit?.();
    // Sealed with a transit key no VaultAuth names any more: unreadable, the identity logs in again.
    return transit ? transit.decrypt(identity, ciphertext) : undefined;
  }
}
