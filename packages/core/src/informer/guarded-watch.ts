// ListWatch (client-node 2.0.1) restarts itself from the `done` callback it hands to Watch:
// an async function that nobody awaits. When that restart fails outside ListWatch's own try
// (the credentials cannot be loaded for the new watch, an error callback throws), Node sees
// an unhandled rejection. This Watch hands ListWatch a `done` whose failure goes to
// `onFailure` instead, where the informer restarts itself with backoff.

import { type KubeConfig, Watch } from '@kubernetes/client-node';

export class GuardedWatch extends Watch {
  readonly #onFailure: (err: unknown) => void;

  constructor(config: KubeConfig, onFailure: (err: unknown) => void) {
    super(config);
    this.#onFailure = onFailure;
  }

  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    // biome-ignore lint/suspicious/noExplicitAny: the library's own signature
    callback: (phase: string, apiObj: any, watchObj?: any) => void,
    // biome-ignore lint/suspicious/noExplicitAny: the library's own signature
    done: (err: any) => void,
  ): Promise<AbortController> {
    return super.watch(path, queryParams, callback, (err: unknown) => {
      try {
        // Typed void, but ListWatch passes an async function: watch what it returns.
        Promise.resolve(done(err) as unknown).catch(this.#onFailure);
      } catch (thrown) {
        this.#onFailure(thrown);
      }
    });
  }
}
