// B1-B3 fixtures: remote values in moto and OpenBao, three ClusterSecretStores (aws, vault,
// fake) and the ExternalSecrets spread over the namespaces. Every distinct remote key is
// read by several ExternalSecrets, so coalescing and batching have something to do.

import type { OpenBaoApi } from '@lockstep/sandbox';
import { CONTROLLER_NAMESPACE } from './controller-child.ts';
import { forEachLimit, type KubeHttp, type KubeObject } from './kube-http.ts';
import type { Scale } from './scale.ts';

export type Provider = 'aws' | 'vault' | 'fake';

export interface EsFixture {
  namespace: string;
  name: string;
  provider: Provider;
  /** Index of the distinct remote key it reads. */
  keyIndex: number;
}

export const ES_API = '/apis/external.lockstep.dev/v1';

/** The API group the ExternalSecrets and stores are written in: Lockstep's, or ESO's for the side-by-side run. */
export interface EsGroup {
  path: string;
  apiVersion: string;
}
export const LOCKSTEP_GROUP: EsGroup = { path: ES_API, apiVersion: 'external.lockstep.dev/v1' };

const KV_MOUNT = 'kv';

export function namespaceName(i: number): string {
  return `bench-${String(i).padStart(3, '0')}`;
}

export function awsKey(k: number): string {
  return `bench/aws/${String(k).padStart(5, '0')}`;
}

export function vaultPath(k: number): string {
  return `bench/vault/${String(k).padStart(5, '0')}`;
}

/** The value a remote key holds at `version` (what the target Secret's `value` must become). */
export function remoteValue(provider: Provider, k: number, version: number): string {
  return `${provider}-${k}-v${version}`;
}

export function esFixtures(scale: Scale): EsFixture[] {
  const out: EsFixture[] = [];
  for (const provider of ['aws', 'vault', 'fake'] as const) {
    const { externalSecrets, distinct } = scale[provider];
    for (let j = 0; j < externalSecrets; j++) {
      out.push({
        // Consecutive readers of one key land in different namespaces.
        namespace: namespaceName(Math.floor(j / distinct + j) % scale.namespaces),
        name: `${provider}-${String(j).padStart(5, '0')}`,
        provider,
        keyIndex: j % distinct,
      });
    }
  }
  return out;
}

function externalSecret(f: EsFixture, scale: Scale, group: EsGroup): KubeObject {
  const remoteRef =
    f.provider === 'aws'
      ? { key: awsKey(f.keyIndex) }
      : f.provider === 'vault'
        ? { key: vaultPath(f.keyIndex), property: 'value' }
        : { key: `fake-${f.keyIndex}` };
  return {
    apiVersion: group.apiVersion,
    kind: 'ExternalSecret',
    metadata: { namespace: f.namespace, name: f.name, labels: { 'bench.lockstep.dev/provider': f.provider } },
    spec: {
      refreshInterval: scale.refreshInterval,
      secretStoreRef: { kind: 'ClusterSecretStore', name: `bench-${f.provider}` },
      target: { name: f.name },
      data: [{ secretKey: 'value', remoteRef }],
    },
  };
}

export interface GenericPeers {
  kube: KubeHttp;
  bao: OpenBaoApi;
  motoEndpoint: string;
}

/** Remote values at version 1, the stores and their credentials; everything but the ExternalSecrets. */
export async function createStoresAndRemoteValues(
  peers: GenericPeers,
  scale: Scale,
  group: EsGroup = LOCKSTEP_GROUP,
): Promise<void> {
  const { kube, bao } = peers;
  const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  await kube.ensure('/api/v1/namespaces', ns(CONTROLLER_NAMESPACE));
  for (let i = 0; i < scale.namespaces; i++) {
    await kube.ensure('/api/v1/namespaces', ns(namespaceName(i)));
  }
  const secrets = `/api/v1/namespaces/${CONTROLLER_NAMESPACE}/secrets`;
  await kube.ensure(secrets, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'bench-aws', namespace: CONTROLLER_NAMESPACE },
    stringData: { 'access-key': 'testing', 'secret-access-key': 'testing' },
  });
  await kube.ensure(secrets, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'bench-vault', namespace: CONTROLLER_NAMESPACE },
    stringData: { token: bao.token ?? '' },
  });
  const stores = `${group.path}/clustersecretstores`;
  const store = (name: string, provider: Record<string, unknown>): KubeObject => ({
    apiVersion: group.apiVersion,
    kind: 'ClusterSecretStore',
    metadata: { name },
    spec: { provider },
  });
  const ref = (name: string, key: string) => ({ namespace: CONTROLLER_NAMESPACE, name, key });
  await kube.ensure(
    stores,
    store('bench-aws', {
      aws: {
        service: 'SecretsManager',
        region: 'us-east-1',
        auth: {
          secretRef: {
            accessKeyIDSecretRef: ref('bench-aws', 'access-key'),
            secretAccessKeySecretRef: ref('bench-aws', 'secret-access-key'),
          },
        },
      },
    }),
  );
  await kube.ensure(
    stores,
    store('bench-vault', {
      vault: { server: bao.addr, path: KV_MOUNT, version: 'v2', auth: { tokenSecretRef: ref('bench-vault', 'token') } },
    }),
  );
  await kube.ensure(
    stores,
    store('bench-fake', {
      fake: {
        data: Array.from({ length: scale.fake.distinct }, (_, k) => ({
          key: `fake-${k}`,
          value: remoteValue('fake', k, 1),
        })),
      },
    }),
  );

  const awsKeys = Array.from({ length: scale.aws.distinct }, (_, k) => k);
  await forEachLimit(awsKeys, 4, (k) => putAwsValue(peers.motoEndpoint, k, 1, true));
  const vaultKeys = Array.from({ length: scale.vault.distinct }, (_, k) => k);
  await forEachLimit(vaultKeys, 16, (k) => putVaultValue(bao, k, 1));
}

export async function createExternalSecrets(
  kube: KubeHttp,
  fixtures: readonly EsFixture[],
  scale: Scale,
  group: EsGroup = LOCKSTEP_GROUP,
) {
  await forEachLimit(fixtures, 16, (f) =>
    kube.ensure(`${group.path}/namespaces/${f.namespace}/externalsecrets`, externalSecret(f, scale, group)),
  );
}

export async function putVaultValue(bao: OpenBaoApi, k: number, version: number): Promise<void> {
  await bao.write(`${KV_MOUNT}/data/${vaultPath(k)}`, { data: { value: remoteValue('vault', k, version) } });
}

/** moto speaks the JSON protocol and routes by X-Amz-Target; it does not check signatures. */
export async function putAwsValue(endpoint: string, k: number, version: number, create = false): Promise<void> {
  // moto's threaded server sometimes answers 500 to concurrent writes: retry those.
  const call = async (target: string, body: unknown) => {
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(`${endpoint}/`, {
        method: 'POST',
        headers: {
          'X-Amz-Target': `secretsmanager.${target}`,
          'Content-Type': 'application/x-amz-json-1.1',
          Authorization:
            'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0',
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      if (res.status < 500 || attempt >= 8) return { ok: res.ok, text };
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  };
  const value = remoteValue('aws', k, version);
  if (create) {
    const res = await call('CreateSecret', { Name: awsKey(k), SecretString: value });
    if (res.ok || res.text.includes('ResourceExistsException')) {
      if (res.ok) return;
    } else {
      throw new Error(`moto CreateSecret ${awsKey(k)}: ${res.text.slice(0, 200)}`);
    }
  }
  const res = await call('PutSecretValue', { SecretId: awsKey(k), SecretString: value });
  if (!res.ok) throw new Error(`moto PutSecretValue ${awsKey(k)}: ${res.text.slice(0, 200)}`);
}
