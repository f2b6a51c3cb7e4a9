import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSandboxCa, issueClientCert, issueServingCert, type PemPair } from '../apiserver/pki.ts';

/** The users the control plane's own components run as; the audit policy leaves them out. */
export const COMPONENT_USERS = {
  controllerManager: 'system:kube-controller-manager',
  scheduler: 'system:kube-scheduler',
  kwok: 'kwok-controller',
} as const;
export const ADMIN_USER = 'lockstep-admin';

export interface ControlPlanePki {
  ca: PemPair;
  admin: PemPair;
  components: Record<keyof typeof COMPONENT_USERS, PemPair>;
  serviceAccountPublicKeyPem: string;
  paths: {
    caCert: string;
    /** The CA key stays on disk so test suites can mint client certificates of their own. */
    caKey: string;
    servingCert: string;
    servingKey: string;
    serviceAccountPublic: string;
    serviceAccountPrivate: string;
  };
}

/**
 * One CA for serving and client certificates; the admin and the components are in
 * `system:masters`. The ServiceAccount signing key is RSA, as kube-apiserver expects by default.
 */
export async function writeControlPlanePki(dir: string): Promise<ControlPlanePki> {
  const ca = await createSandboxCa();
  const hosts = ['127.0.0.1', 'localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', '10.0.0.1'];
  const [serving, admin, controllerManager, scheduler, kwok] = await Promise.all([
    issueServingCert(ca, hosts),
    issueClientCert(ca, ADMIN_USER, ['system:masters']),
    issueClientCert(ca, COMPONENT_USERS.controllerManager, ['system:masters']),
    issueClientCert(ca, COMPONENT_USERS.scheduler, ['system:masters']),
    issueClientCert(ca, COMPONENT_USERS.kwok, ['system:masters']),
  ]);
  const sa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const serviceAccountPublicKeyPem = sa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const paths = {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    servingCert: join(dir, 'apiserver.crt'),
    servingKey: join(dir, 'apiserver.key'),
    serviceAccountPublic: join(dir, 'sa.pub'),
    serviceAccountPrivate: join(dir, 'sa.key'),
  };
  await Promise.all([
    writeFile(paths.caCert, ca.certPem),
    writeFile(paths.caKey, ca.keyPem, { mode: 0o600 }),
    writeFile(paths.servingCert, serving.certPem),
    writeFile(paths.servingKey, serving.keyPem, { mode: 0o600 }),
    writeFile(paths.serviceAccountPublic, serviceAccountPublicKeyPem),
    writeFile(paths.serviceAccountPrivate, sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 }),
  ]);
  return { ca, admin, components: { controllerManager, scheduler, kwok }, paths, serviceAccountPublicKeyPem };
}

/** A kubeconfig with the client certificate embedded, so the file alone is enough. */
export function kubeconfigYaml(server: string, caPem: string, user: string, client: PemPair): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: lockstep',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(caPem)}`,
    'users:',
    `- name: ${user}`,
    '  user:',
    `    client-certificate-data: ${b64(client.certPem)}`,
    `    client-key-data: ${b64(client.keyPem)}`,
    'contexts:',
    '- name: lockstep',
    '  context:',
    '    cluster: lockstep',
    `    user: ${user}`,
    'current-context: lockstep',
    '',
  ].join('\n');
}
