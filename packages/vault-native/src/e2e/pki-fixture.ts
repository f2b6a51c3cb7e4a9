// A PKI secrets engine of a test file's own: an EC root and a role `web` that issues for
// *.example.com (with the SAN kinds the tests use), at most one hour.

import type { Harness } from './harness.ts';

export async function createPkiMount(h: Harness, prefix = 'pki'): Promise<string> {
  const pki = await h.mount(prefix, 'pki');
  await h.bao.write(`sys/mounts/${pki}/tune`, { max_lease_ttl: '87600h' });
  await h.bao.write(`${pki}/root/generate/internal`, {
    common_name: 'E2E Root',
    ttl: '87600h',
    key_type: 'ec',
    key_bits: 256,
  });
  await h.bao.write(`${pki}/roles/web`, {
    allowed_domains: ['example.com'],
    allow_subdomains: true,
    allow_ip_sans: true,
    allowed_uri_sans: ['spiffe://*'],
    max_ttl: '1h',
    key_type: 'ec',
    key_bits: 256,
  });
  return pki;
}
