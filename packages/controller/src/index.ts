// Public surface of @lockstep/controller: what other packages may import.
export {};
