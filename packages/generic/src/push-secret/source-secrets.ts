// What a PushSecret pushes: Secrets of its own namespace only (never a list across namespaces,
// the ESO advisory class), or a generator's output. Source Secrets are not labelled as managed,
// so they are read from the API server at each push rather than from the managed informer.

import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { kubeCall, type LabelSelector, matchesLabelSelector, type SecretApi, SpecProblem } from '@lockstep/core';

export interface SourceSecretReader {
  get(namespace: string, name: string): Promise<V1Secret | undefined>;
  /** Every Secret of `namespace`; the caller filters by labels. */
  list(namespace: string): Promise<readonly V1Secret[]>;
}

export function clientSourceSecretReader(kc: KubeConfig, secretApi: SecretApi): SourceSecretReader {
  const core = kc.makeApiClient(CoreV1Api);
  return {
    get: (namespace, name) => secretApi.get(namespace, name),
    list: async (namespace) =>
      (await kubeCall({ verb: 'list', kind: 'Secret', namespace }, () => core.listNamespacedSecret({ namespace })))
        .items,
  };
}

/** One Secret to push: its name (for messages) and decoded data. */
export interface SourceSecret {
  name: string;
  data: Record<string, Uint8Array>;
}

export interface SecretSelector {
  name?: string;
  selector?: LabelSelector;
}

/** The Secrets `spec.selector.secret` names, all in `namespace`. */
export async function selectSourceSecrets(
  reader: SourceSecretReader,
  namespace: string,
  selector: SecretSelector,
): Promise<SourceSecret[]> {
  if (selector.name) {
    const secret = await reader.get(namespace, selector.name);
    if (!secret) {
      throw new SpecProblem(
        'SecretNotFound',
        `Secret "${selector.name}" not found in namespace "${namespace}": create it or fix spec.selector.secret.name`,
      );
    }
    return [decoded(secret)];
  }
  if (selector.selector) {
    const labelSelector = selector.selector;
    const all = await reader.list(namespace);
    return all
      .filter((s) => matchesLabelSelector(labelSelector, s.metadata?.labels))
      .map(decoded)
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }
  throw new SpecProblem('InvalidSpec', 'spec.selector.secret needs a name or a selector');
}

function decoded(secret: V1Secret): SourceSecret {
  const data: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) data[k] = Buffer.from(v, 'base64');
  return { name: secret.metadata?.name ?? '', data };
}

/** ESO's ReverseUnicode: `_U0040_` in a key becomes `@` (the inverse of ExternalSecret's Unicode conversion). */
export function reverseKeys(
  strategy: string | undefined,
  data: Record<string, Uint8Array>,
): Record<string, Uint8Array> {
  if (strategy !== 'ReverseUnicode') return data;
  const out: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(data)) {
    const converted = key.replace(/_U([0-9a-fA-F]{4})_/g, (_m, hex: string) =>
      String.fromCodePoint(Number.parseInt(hex, 16)),
    );
    if (Object.hasOwn(out, converted)) {
      throw new SpecProblem('InvalidSpec', `conversionStrategy ReverseUnicode maps two keys to "${converted}"`);
    }
    out[converted] = value;
  }
  return out;
}
