// Public surface of @lockstep/vault-native: what other packages may import.
export {};
