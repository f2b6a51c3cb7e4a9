// Public surface of @lockstep/generic: what other packages may import.
export {};
