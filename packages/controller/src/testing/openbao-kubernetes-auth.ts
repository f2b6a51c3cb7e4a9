// A kubernetes auth mount in the shared OpenBao that reviews tokens through ONE test file's
// cluster, so a tenant logs in as its service account, as in a real cluster.

import type { KubeConfig } from '@kubernetes/client-node';
import {
  ensureServiceAccount,
  grantTokenReview,
  type OpenBaoApi,
  seedKubernetesAuth,
  serviceAccountToken,
} from '@lockstep/sandbox';

/** Enables `auth/<mount>`; OpenBao calls TokenReview as service account `token-reviewer` of `namespace`. */
export async function kubernetesAuthMount(
  bao: OpenBaoApi,
  server: { url: string; caPem: string },
  kc: KubeConfig,
  namespace: string,
  mount: string,
): Promise<void> {
  await ensureServiceAccount(kc, namespace, 'token-reviewer');
  await grantTokenReview(kc, namespace, 'token-reviewer');
  await seedKubernetesAuth(bao, {
    mount,
    kubernetesHost: server.url,
    kubernetesCaPem: server.caPem,
    tokenReviewerJwt: await serviceAccountToken(kc, namespace, 'token-reviewer', { expirationSeconds: 24 * 3600 }),
  });
}
