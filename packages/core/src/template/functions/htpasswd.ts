// Sprig's htpasswd and bcrypt: "user:" plus a bcrypt hash (cost 10, "$2a$" as Go's x/crypto writes it),
// which Apache and nginx accept. The salt is random, as in Sprig, so each render differs and
// the Secret is rewritten at each refresh (docs/generic-pipeline.md, Templates). bcryptjs is
// plain JavaScript (no native build) and widely used; Node's crypto has no bcrypt.

import bcrypt from 'bcryptjs';
import { type CallContext, defineFunction as fn, type TemplateFunction } from './types.ts';

const cost = 10; // x/crypto's bcrypt.DefaultCost, which Sprig uses

function bcryptHash(password: string, ctx: CallContext): string {
  // Go refuses what bcrypt would silently truncate, and Sprig prints the error as the result.
  if (Buffer.byteLength(password, 'utf8') > 72) {
    return 'failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes';
  }
  const salt = `$2a$${cost}$${bcrypt.encodeBase64(Array.from(ctx.randomBytes(16)), 16)}`;
  return ctx.passwordHash(() => bcrypt.hashSync(password, salt));
}

function htpasswd(user: string, password: string, ctx: CallContext): string {
  // Sprig answers with this text rather than failing; it names only the user, as the line would.
  if (user.includes(':')) return `invalid username: ${user}`;
  return `${user}:${bcryptHash(password, ctx)}`;
}

export const htpasswdFunctions: ReadonlyMap<string, TemplateFunction> = new Map([
  ['htpasswd', fn(['string', 'string'], ([u, p], ctx) => htpasswd(u as string, p as string, ctx))],
  ['bcrypt', fn(['string'], ([p], ctx) => bcryptHash(p as string, ctx))],
]);
