import { request } from 'node:https';
import type { PemPair } from '../apiserver/pki.ts';

/** How a probe trusts the server: the sandbox CA (with a client certificate when given), or not at all. */
export interface ProbeTls {
  caPem?: string;
  client?: PemPair;
  insecure?: boolean;
}

export interface HttpsAnswer {
  status: number;
  body: string;
}

/**
 * A GET over HTTPS that trusts the given CA (with a client certificate when given), on a
 * connection of its own: a stopped server then refuses, not hangs up. fetch takes neither a
 * CA nor a client certificate without an undici dispatcher.
 */
export function httpsGet(
  url: string,
  tls: ProbeTls & { headers?: Record<string, string> },
  timeoutMs = 2000,
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        ca: tls.caPem,
        cert: tls.client?.certPem,
        key: tls.client?.keyPem,
        rejectUnauthorized: !tls.insecure,
        headers: tls.headers,
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** The status of a GET over HTTPS: what a readiness probe needs. */
export async function httpsStatus(url: string, tls: ProbeTls, timeoutMs = 2000): Promise<number> {
  return (await httpsGet(url, tls, timeoutMs)).status;
}
