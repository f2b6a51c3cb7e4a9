import { stringify } from 'yaml';

/** A kubeconfig with one cluster (trusting the sandbox CA), one token user and one current context. */
export function kubeconfigYaml(opts: { server: string; caPem: string; token: string; name?: string }): string {
  const name = opts.name ?? 'lockstep-sandbox';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name,
        cluster: { server: opts.server, 'certificate-authority-data': Buffer.from(opts.caPem).toString('base64') },
      },
    ],
    users: [{ name: 'admin', user: { token: opts.token } }],
    contexts: [{ name, context: { cluster: name, user: 'admin', namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  });
}
