import { request } from 'node:https';

export interface HttpsAnswer {
  status: number;
  body: string;
}

/**
 * A GET that trusts `ca` (PEM) instead of the system roots, as a client of the sandbox's
 * webhook server does; fetch cannot take a CA without an extra dependency.
 */
export function httpsGet(
  url: string,
  opts: { ca?: string; headers?: Record<string, string> } = {},
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    // A connection of its own (no keep-alive pool): a stopped server then refuses, not hangs up.
    const req = request(url, { ca: opts.ca, headers: opts.headers, timeout: 10_000, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} did not answer within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}
