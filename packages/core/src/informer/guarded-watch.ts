// ListWatch (client-node 2.0.1) restarts itself from the `done` callback it hands to Watch:
// an async function that nobody awaits. When that restart fails outside ListWatch's own try
// (the credentials cannot be loaded for the new watch, an error callback throws), Node sees
// an unhandled rejection. This Watch hands ListWatch a `done` whose failure goes to
// `onFailure` instead, where the informer restarts itself with backoff. It also hands each
// watched object to `shape` before ListWatch caches it (the informer slims it: slim-object.ts).

import { type KubeConfig, type KubernetesObject, Watch } from '@kubernetes/client-node';

export class GuardedWatch extends Watch {
  readonly #onFailure: (err: unknown) => void;
  readonly #shape: (obj: KubernetesObject) => KubernetesObject;

  constructor(
    config: KubeConfig,
    onFailure: (err: unknown) => void,
    shape: (obj: KubernetesObject) => KubernetesObject = (obj) => obj,
  ) {
    super(config);
    this.#onFailure = onFailure;
    this.#shape = shape;
  }

  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    // biome-ignore lint/suspicious/noExplicitAny: the library's own signature
    callback: (phase: string, apiObj: any, watchObj?: any) => void,
    // biome-ignore lint/suspicious/noExplicitAny: the library's own signature
    done: (err: any) => void,
  ): Promise<AbortController> {
    const shaped = (phase: string, apiObj: unknown, watchObj?: unknown) =>
      // ERROR carries a Status and BOOKMARK only a resourceVersion: neither is cached.
      callback(
        phase,
        phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED'
          ? this.#shape(apiObj as KubernetesObject)
          : apiObj,
        watchObj,
      );
    return super.watch(path, queryParams, shaped, (err: unknown) => {
      try {
        // Typed void, but ListWatch passes an async function: watch what it returns.
        Promise.resolve(done(err) as unknown).catch(this.#onFailure);
      } catch (thrown) {
        this.#onFailure(thrown);
      }
    });
  }
}
