// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata
// polyfill loaded before it is evaluated.
import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

export type PemPair = { certPem: string; keyPem: string };

// ECDSA P-256: fast to generate on a 2-core machine and accepted by node:https, kubectl and client-go.
const keyAlgorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;
const crypto = webcrypto;
const DAY_MS = 24 * 60 * 60 * 1000;

x509.cryptoProvider.set(crypto);

function serialNumber(): string {
  // Positive 128-bit serial (top bit cleared so DER does not read it as negative).
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

async function keyPemOf(key: webcrypto.CryptoKey): Promise<string> {
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

function backdated(now: Date): Date {
  // Tolerate small clock differences between the sandbox processes.
  return new Date(now.getTime() - 5 * 60 * 1000);
}

/** A self-signed CA valid for one year; its key only signs certificates. */
export async function createSandboxCa(): Promise<PemPair> {
  const keys = (await crypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: 'CN=lockstep-sandbox-ca,O=Lockstep',
    notBefore: backdated(now),
    notAfter: new Date(now.getTime() + 365 * DAY_MS),
    signingAlgorithm,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await keyPemOf(keys.privateKey) };
}

/** A serving certificate for `hosts` (DNS names and IP addresses become SANs), signed by `ca`. */
export async function issueServingCert(ca: PemPair, hosts: string[]): Promise<PemPair> {
  if (hosts.length === 0) throw new Error('issueServingCert needs at least one host');
  const names: x509.JsonGeneralNames = hosts.map((host) =>
    isIP(host) ? { type: 'ip', value: host } : { type: 'dns', value: host },
  );
  return issueLeaf(ca, `CN=${hosts[0]}`, x509.ExtendedKeyUsage.serverAuth, [
    new x509.SubjectAlternativeNameExtension(names),
  ]);
}

/**
 * A client certificate: Kubernetes reads the user from CN and the groups from O
 * (`system:masters` is the built-in admin group).
 */
export async function issueClientCert(ca: PemPair, user: string, groups: string[] = []): Promise<PemPair> {
  const subject = [`CN=${user}`, ...groups.map((g) => `O=${g}`)].join(',');
  return issueLeaf(ca, subject, x509.ExtendedKeyUsage.clientAuth, []);
}

async function issueLeaf(ca: PemPair, subject: string, usage: string, extra: x509.Extension[]): Promise<PemPair> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await crypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(ca.keyPem), keyAlgorithm, false, [
    'sign',
  ]);
  const keys = (await crypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject,
    issuer: caCert.subject,
    notBefore: backdated(now),
    notAfter: new Date(Math.min(now.getTime() + 365 * DAY_MS, caCert.notAfter.getTime())),
    signingAlgorithm,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([usage]),
      ...extra,
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await keyPemOf(keys.privateKey) };
}
