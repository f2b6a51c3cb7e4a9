import type { Generator } from './generator.ts';
import type { Provider } from './provider.ts';

/** Where backends register into the generic pipeline; the controller wires one instance. */
export class ProviderRegistry {
  private readonly providers = new Map<string, Provider>();
  private readonly generators = new Map<string, Generator>();

  registerProvider(provider: Provider): void {
    if (this.providers.has(provider.name)) throw new Error(`provider ${provider.name} registered twice`);
    this.providers.set(provider.name, provider);
  }

  registerGenerator(generator: Generator): void {
    if (this.generators.has(generator.kind)) throw new Error(`generator ${generator.kind} registered twice`);
    this.generators.set(generator.kind, generator);
  }

  provider(name: string): Provider | undefined {
    return this.providers.get(name);
  }

  generator(kind: string): Generator | undefined {
    return this.generators.get(kind);
  }

  providerNames(): string[] {
    return [...this.providers.keys()].sort();
  }
}
