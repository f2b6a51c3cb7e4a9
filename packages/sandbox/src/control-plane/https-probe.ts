import { request } from 'node:https';
import type { PemPair } from '../apiserver/pki.ts';

/** How a probe trusts the server: the sandbox CA (with a client certificate when given), or not at all. */
export interface ProbeTls {
  caPem?: string;
  client?: PemPair;
  insecure?: boolean;
}

/**
 * The status of a GET over HTTPS. Readiness probes need no more, and fetch takes neither a CA
 * nor a client certificate without an undici dispatcher.
 */
export function httpsStatus(url: string, tls: ProbeTls, timeoutMs = 2000): Promise<number> {
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
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
