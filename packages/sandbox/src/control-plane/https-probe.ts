import { request } from 'node:https';
import type { PemPair } from '../apiserver/pki.ts';

/** GET over HTTPS with the sandbox CA (and a client certificate when given); answers status and body. */
export function httpsGet(
  url: string,
  tls: { caPem?: string; client?: PemPair; insecure?: boolean },
  timeoutMs = 2000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        ca: tls.caPem,
        cert: tls.client?.certPem,
        key: tls.client?.keyPem,
        rejectUnauthorized: !tls.insecure,
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
