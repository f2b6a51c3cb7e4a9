// The sandbox's webhook peer: the HTTPS server of webhook-server.ts, run in the sandbox's own
// process, demanding a bearer token made at start (as a real secrets API would) and with its
// CA written to <dir>/webhook-ca.crt, so curl and a store's caBundle can trust it.

import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startWebhookServer, type WebhookServer } from './webhook-server.ts';

export interface WebhookPeer extends WebhookServer {
  /** The bearer token every route but /status demands. */
  token: string;
  /** Path of the PEM file of `caPem`. */
  caFile: string;
}

export async function startWebhookPeer(opts: { dir: string }): Promise<WebhookPeer> {
  const server = await startWebhookServer();
  try {
    const token = `sandbox-webhook-${randomBytes(12).toString('hex')}`;
    server.requireToken(token);
    const caFile = join(opts.dir, 'webhook-ca.crt');
    await writeFile(caFile, server.caPem);
    return { ...server, token, caFile };
  } catch (err) {
    await server.stop();
    throw new Error(`the webhook server could not start: ${(err as Error).message}`, { cause: err });
  }
}
