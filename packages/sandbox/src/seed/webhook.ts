import type { WebhookServer } from '../peers/webhook-server.ts';

/** Example answers of the sandbox's webhook server: key (GET /secrets/<key>) -> JSON value. */
export const EXAMPLE_WEBHOOK_SECRETS: Record<string, unknown> = {
  'app/smtp': { username: 'mailer@demo.example', password: 'smtp-sandbox-Passw0rd-4f1c' },
};

/** Sets the example answers; returns their keys. */
export function seedWebhook(
  hook: Pick<WebhookServer, 'set'>,
  secrets: Record<string, unknown> = EXAMPLE_WEBHOOK_SECRETS,
): { keys: string[] } {
  for (const [key, value] of Object.entries(secrets)) hook.set(key, value);
  return { keys: Object.keys(secrets) };
}
