// Test support: the sandbox's embedded Kubernetes API server (KUBECONFIG). Each test file
// creates its own namespace, Secrets and service accounts, and configures its own OpenBao
// kubernetes/jwt auth mounts against this API server.

import { createPublicKey } from 'node:crypto';
import * as https from 'node:https';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { createKubeAccess, type KubeAccess } from '@lockstep/core';
import { grantTokenReview } from '@lockstep/sandbox';
import type { VaultClient } from '../vault-client.ts';
import { uniqueName } from './bao-test-peer.ts';

export interface KubePeer {
  kc: KubeConfig;
  core: CoreV1Api;
  kube: KubeAccess;
  /** https://127.0.0.1:PORT */
  server: string;
  caPem: string;
}

export function kubePeer(): KubePeer {
  const path = process.env.KUBECONFIG;
  if (!path) {
    throw new Error(
      'KUBECONFIG is not set: run the tests with --test-global-setup=packages/sandbox/src/testing/global-setup.ts',
    );
  }
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`kubeconfig ${path} has no current cluster`);
  const caPem = cluster.caData ? Buffer.from(cluster.caData, 'base64').toString('utf8') : '';
  return { kc, core: kc.makeApiClient(CoreV1Api), kube: createKubeAccess(kc), server: cluster.server, caPem };
}

export async function createNamespace(peer: KubePeer, prefix = 'vault-test'): Promise<string> {
  const name = uniqueName(prefix);
  await peer.core.createNamespace({ body: { metadata: { name } } });
  return name;
}

export async function createSecret(
  peer: KubePeer,
  namespace: string,
  name: string,
  data: Record<string, string>,
): Promise<void> {
  await peer.core.createNamespacedSecret({
    namespace,
    body: {
      metadata: { name },
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    },
  });
}

export async function replaceSecret(
  peer: KubePeer,
  namespace: string,
  name: string,
  data: Record<string, string>,
): Promise<void> {
  await peer.core.replaceNamespacedSecret({
    namespace,
    name,
    body: {
      metadata: { name },
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    },
  });
}

export async function createServiceAccount(peer: KubePeer, namespace: string, name: string): Promise<void> {
  await peer.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
}

/** The issuer and PEM public key of the API server's service account tokens (for OpenBao's jwt auth). */
export async function serviceAccountIssuer(
  peer: KubePeer,
  namespace: string,
  serviceAccount: string,
): Promise<{ issuer: string; publicKeyPem: string }> {
  const { token } = await peer.kube.requestServiceAccountToken({
    namespace,
    serviceAccountName: serviceAccount,
    audiences: [],
    expirationSeconds: 600,
  });
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss: string };
  const jwks = (await getJson(peer, '/openid/v1/jwks')) as { keys: object[] };
  const jwk = jwks.keys[0];
  if (!jwk) throw new Error('the API server publishes no service account signing key');
  const publicKeyPem = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
  return { issuer: payload.iss, publicKeyPem };
}

async function getJson(peer: KubePeer, path: string): Promise<unknown> {
  const url = new URL(path, peer.server);
  const opts: https.RequestOptions = { method: 'GET', hostname: url.hostname, port: url.port, path: url.pathname };
  await peer.kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = https.request(opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A kubernetes auth mount of its own, validating logins through the API server's TokenReview. */
export async function enableKubernetesAuth(
  peer: KubePeer,
  bao: VaultClient,
  root: string,
  namespace: string,
): Promise<string> {
  const mount = uniqueName('k8s');
  await bao.write(`sys/auth/${mount}`, { type: 'kubernetes' }, { token: root });
  const reviewer = uniqueName('reviewer');
  await createServiceAccount(peer, namespace, reviewer);
  await grantTokenReview(peer.kc, namespace, reviewer);
  const { token } = await peer.kube.requestServiceAccountToken({
    namespace,
    serviceAccountName: reviewer,
    audiences: [],
    expirationSeconds: 24 * 3600,
  });
  await bao.write(
    `auth/${mount}/config`,
    {
      kubernetes_host: peer.server,
      kubernetes_ca_cert: peer.caPem,
      token_reviewer_jwt: token,
      disable_local_ca_jwt: true,
    },
    { token: root },
  );
  return mount;
}
