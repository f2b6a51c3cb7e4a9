import { httpsGet as get, type HttpsAnswer } from '../control-plane/https-probe.ts';

export type { HttpsAnswer };

/** A GET that trusts `ca` (PEM) instead of the system roots, as a client of the sandbox's webhook server does. */
export function httpsGet(
  url: string,
  opts: { ca?: string; headers?: Record<string, string> } = {},
): Promise<HttpsAnswer> {
  return get(
    url,
    { ...(opts.ca ? { caPem: opts.ca } : {}), ...(opts.headers ? { headers: opts.headers } : {}) },
    10_000,
  );
}
