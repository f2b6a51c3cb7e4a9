// Public surface of @lockstep/core: what other packages may import.
export {};
