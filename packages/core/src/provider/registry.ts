import type { Generator } from './generator.ts';
import type { LeasedGenerator } from './leased-generator.ts';
import { observedProvider } from './observed-provider.ts';
import type { Provider } from './provider.ts';
import type { ProviderRegistration } from './provider-registration.ts';

export interface ProviderRegistryOptions {
  /** One provider call, for `lockstep_provider_requests_total`. */
  onCall?: (provider: string, operation: string, result: string) => void;
}

/** Where backends register into the generic pipeline; the controller wires one instance. */
export class ProviderRegistry {
  private readonly providers = new Map<string, Provider>();
  private readonly generators = new Map<string, Generator>();
  private readonly leasedGenerators = new Map<string, LeasedGenerator>();
  readonly #onCall: ProviderRegistryOptions['onCall'];

  constructor(options: ProviderRegistryOptions = {}) {
    this.#onCall = options.onCall;
  }

  /** Builds a provider from its registration and registers it, counted as the registration says. */
  register<Deps>(registration: ProviderRegistration<Deps>, deps: Deps): void {
    const onCall = (operation: string, result: string) => this.#onCall?.(registration.name, operation, result);
    const provider = registration.create(deps, { onCall });
    if (provider.name !== registration.name) {
      throw new Error(`provider ${provider.name} registered under the name ${registration.name}`);
    }
    const counted = registration.metrics === 'registry' && this.#onCall !== undefined;
    this.registerProvider(counted ? observedProvider(provider, onCall) : provider);
  }

  /** Registers a provider as is (tests; the binary registers through `register`). */
  registerProvider(provider: Provider): void {
    if (this.providers.has(provider.name)) throw new Error(`provider ${provider.name} registered twice`);
    this.providers.set(provider.name, provider);
  }

  registerGenerator(generator: Generator): void {
    if (this.generators.has(generator.kind) || this.leasedGenerators.has(generator.kind)) {
      throw new Error(`generator ${generator.kind} registered twice`);
    }
    this.generators.set(generator.kind, generator);
  }

  /** A generator on the lease engine: its consumers keep the ledger and run it at every reconcile. */
  registerLeasedGenerator(generator: LeasedGenerator): void {
    if (this.generators.has(generator.kind) || this.leasedGenerators.has(generator.kind)) {
      throw new Error(`generator ${generator.kind} registered twice`);
    }
    this.leasedGenerators.set(generator.kind, generator);
  }

  provider(name: string): Provider | undefined {
    return this.providers.get(name);
  }

  generator(kind: string): Generator | undefined {
    return this.generators.get(kind);
  }

  leasedGenerator(kind: string): LeasedGenerator | undefined {
    return this.leasedGenerators.get(kind);
  }

  providerNames(): string[] {
    return [...this.providers.keys()].sort();
  }

  generatorKinds(): string[] {
    return [...this.generators.keys(), ...this.leasedGenerators.keys()].sort();
  }
}
