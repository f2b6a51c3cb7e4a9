// Keys this process has already acted on, for "say it once" and "do not ask again" decisions
// (a warning event per resource, a policy that refused child tokens). Past `max` keys all are
// forgotten at once: a long-running controller's memory stays bounded, at the price of saying
// something a second time.

export class SeenKeys {
  readonly #keys = new Set<string>();
  readonly #max: number;

  constructor(max = 10_000) {
    this.#max = max;
  }

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  add(key: string): void {
    if (this.#keys.size >= this.#max) this.#keys.clear();
    this.#keys.add(key);
  }
}
