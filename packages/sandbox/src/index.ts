// Public surface of @lockstep/sandbox: what other packages may import.
export {};
