import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type Harness, readyOf, startHarness, type Tenant, waitFor } from './harness.ts';
import { createPkiMount } from './pki-fixture.ts';

describe('VaultPKISecret against OpenBao PKI', () => {
  let h: Harness;
  let tenant: Tenant;
  let pki: string;

  before(async () => {
    h = await startHarness();
    pki = await createPkiMount(h);
    tenant = await h.createTenant(
      `path "${pki}/issue/web" { capabilities = ["update"] }\npath "${pki}/revoke" { capabilities = ["update"] }`,
    );
  });
  after(async () => {
    await h?.stop();
  });

  const revoked = async (serial: string) => {
    const res = await h.bao.read(`${pki}/cert/${serial}`);
    return Number(res.data?.revocation_time ?? 0) > 0;
  };

  test('issues a TLS Secret, re-issues at the offset, and revokes the previous serial after the rollout', async () => {
    const ns = tenant.namespace;
    await h.createDeployment(ns, 'web');
    await h.apply('VaultPKISecret', ns, 'web-cert', {
      mount: pki,
      role: 'web',
      commonName: 'web.example.com',
      altNames: ['www.example.com'],
      ipSans: ['127.0.0.1'],
      uriSans: ['spiffe://cluster.local/ns/web'],
      ttl: '20s',
      expiryOffset: '16s',
      revoke: true,
      clear: true,
      destination: { name: 'web-tls', create: true, type: 'kubernetes.io/tls' },
      rolloutRestartTargets: [{ kind: 'Deployment', name: 'web' }],
    });
    const first = await waitFor('the certificate', async () => {
      const o = await h.getObject('VaultPKISecret', ns, 'web-cert');
      return readyOf(o)?.status === 'True' && o?.status?.serialNumber ? o : undefined;
    });
    const data = await waitFor('the Secret', () => h.secretData(ns, 'web-tls'));
    const cert = new X509Certificate(data.certificate as string);
    assert.match(cert.subject, /CN=web\.example\.com/);
    assert.match(cert.subjectAltName ?? '', /DNS:www\.example\.com/);
    assert.match(cert.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.match(cert.subjectAltName ?? '', /URI:spiffe:\/\/cluster\.local\/ns\/web/);
    assert.equal(data.serial_number, first.status.serialNumber);
    assert.ok((data['tls.crt'] as string).startsWith((data.certificate as string).trim()));
    assert.equal(data['tls.key'], data.private_key);
    assert.equal(data['ca.crt'], data.issuing_ca);
    assert.ok(new X509Certificate(data['ca.crt'] as string).verify(cert.publicKey) === false);
    assert.ok(cert.verify(new X509Certificate(data['ca.crt'] as string).publicKey), 'signed by the issuing CA');
    assert.equal(first.status.expiration, Math.floor(Date.parse(cert.validTo) / 1000));
    assert.ok(first.status.certificateExpiry && first.status.nextRotation);
    const nextRotation = Date.parse(first.status.nextRotation);
    assert.ok(
      nextRotation <= Date.parse(cert.validTo) - 16_000 + 1_000,
      'rotation is planned at expiration - expiryOffset',
    );

    const second = await waitFor(
      'the re-issued certificate',
      async () => {
        const o = await h.getObject('VaultPKISecret', ns, 'web-cert');
        return o?.status?.serialNumber && o.status.serialNumber !== first.status.serialNumber ? o : undefined;
      },
      15_000,
    );
    assert.ok(Date.now() < Date.parse(cert.validTo), 're-issued before the old certificate expired');
    await waitFor('the Secret to carry the new certificate', async () => {
      return (await h.secretData(ns, 'web-tls'))?.serial_number === second.status.serialNumber;
    });
    assert.ok(h.deploymentPatches(ns, 'web') >= 1, 'the Deployment was restarted for the rotation');
    await waitFor('the previous serial revoked in OpenBao', () => revoked(first.status.serialNumber), 10_000);

    // Delete with revoke: the live serial is revoked too.
    const live = (await h.getObject('VaultPKISecret', ns, 'web-cert'))?.status.serialNumber as string;
    await h.deleteObject('VaultPKISecret', ns, 'web-cert');
    await waitFor('the resource to go', async () => !(await h.getObject('VaultPKISecret', ns, 'web-cert')));
    assert.ok(await revoked(live), 'the live certificate is revoked on delete');
  });
});
