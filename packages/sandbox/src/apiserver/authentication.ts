import type { IncomingMessage } from 'node:http';
import type { ServerContext, UserInfo } from './context.ts';

const ADMIN: UserInfo = { username: 'admin', groups: ['system:masters', 'system:authenticated'] };

/**
 * Maps a bearer token to a user: the admin token, or a service account token the issuer signed. Any other token is
 * still let in (no RBAC here) under a name that shows it was not recognised; requests without a token are anonymous.
 */
export class Authenticator {
  private readonly ctx: ServerContext;
  private readonly adminToken: string;
  private readonly cache = new Map<string, { user: UserInfo; until: number }>();

  constructor(ctx: ServerContext, adminToken: string) {
    this.ctx = ctx;
    this.adminToken = adminToken;
  }

  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    const header = req.headers.authorization;
    const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    const token = m?.[1];
    if (!token) return undefined;
    if (token === this.adminToken) return ADMIN;
    const now = this.ctx.now().getTime();
    const hit = this.cache.get(token);
    if (hit && hit.until > now) return hit.user;
    let user: UserInfo = { username: 'system:unrecognized-token', groups: ['system:authenticated'] };
    try {
      const status = await this.ctx.tokenIssuer.review(
        token,
        this.ctx.apiAudiences,
        this.ctx.now(),
        (ns, name, uid) => {
          const sa = this.ctx.store.get('/serviceaccounts', ns, name);
          return sa !== undefined && sa.metadata.uid === uid;
        },
      );
      if (status.authenticated && status.user) {
        user = { username: status.user.username, uid: status.user.uid, groups: status.user.groups };
      }
    } catch {
      // not a token we can read: keep the unrecognised user
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(token, { user, until: now + 10_000 });
    return user;
  }
}
