// How a persisted login token is sealed before it goes into the token Secret (SPEC §2 point 5).
// Two implementations: a local AES-256-GCM key kept in a Secret (local-token-cipher.ts) and
// OpenBao transit (transit-token-cipher.ts). docs/token-persistence.md weighs them.

export interface TokenCipher {
  /** For logs and docs: `local-aes-256-gcm` or `transit:<mount>/<key>`; never key material. */
  readonly kind: string;
  /** Seals `plaintext` bound to `identity`: the result only decrypts for the same identity. */
  encrypt(identity: string, plaintext: string): Promise<string>;
  /**
   * The plaintext, or undefined when this ciphertext cannot be read for this identity
   * (tampered, moved from another identity, sealed with a key that is gone). Throws only
   * errors worth retrying or surfacing (backend unavailable, permission denied).
   */
  decrypt(identity: string, ciphertext: string): Promise<string | undefined>;
}
