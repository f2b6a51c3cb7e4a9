import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { createSandboxCa, issueServingCert, type PemPair } from './pki.ts';

async function fetchWithCa(port: number, servername: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/', ca, servername: servername === '127.0.0.1' ? undefined : servername },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve(body));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function withServer(pair: PemPair, fn: (port: number) => Promise<void>): Promise<void> {
  const server = createServer({ cert: pair.certPem, key: pair.keyPem }, (_req, res) => res.end('ok'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    await fn((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

describe('sandbox PKI', () => {
  it('creates a CA certificate that may sign certificates', async () => {
    const ca = await createSandboxCa();
    const cert = new X509Certificate(ca.certPem);
    assert.equal(cert.ca, true);
    assert.ok(cert.checkIssued(cert));
    assert.match(ca.keyPem, /^-----BEGIN PRIVATE KEY-----/);
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    assert.ok(days > 360 && days <= 366, `CA valid for ${days} days`);
  });

  it('issues a serving certificate with the given DNS names and IP addresses', async () => {
    const ca = await createSandboxCa();
    const serving = await issueServingCert(ca, ['localhost', 'kubernetes.default.svc', '127.0.0.1']);
    const cert = new X509Certificate(serving.certPem);
    assert.equal(cert.ca, false);
    assert.ok(cert.checkIssued(new X509Certificate(ca.certPem)));
    assert.ok(cert.verify(new X509Certificate(ca.certPem).publicKey));
    assert.equal(cert.subjectAltName, 'DNS:localhost, DNS:kubernetes.default.svc, IP Address:127.0.0.1');
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    assert.equal(cert.checkHost('kubernetes.default.svc'), 'kubernetes.default.svc');
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
  });

  it('serves HTTPS that a client trusting only the CA accepts, by IP and by DNS name', async () => {
    const ca = await createSandboxCa();
    const serving = await issueServingCert(ca, ['localhost', '127.0.0.1']);
    await withServer(serving, async (port) => {
      assert.equal(await fetchWithCa(port, '127.0.0.1', ca.certPem), 'ok');
      assert.equal(await fetchWithCa(port, 'localhost', ca.certPem), 'ok');
    });
  });

  it('is refused by a client that trusts another CA or asks for a name not in the certificate', async () => {
    const ca = await createSandboxCa();
    const other = await createSandboxCa();
    const serving = await issueServingCert(ca, ['127.0.0.1']);
    await withServer(serving, async (port) => {
      await assert.rejects(fetchWithCa(port, '127.0.0.1', other.certPem), /self.signed|unable to verify|UNABLE_TO/i);
      await assert.rejects(fetchWithCa(port, 'example.test', ca.certPem), /altnames|Hostname/i);
    });
  });
});
