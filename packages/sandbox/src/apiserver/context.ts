import type { Registry } from './registry.ts';
import type { Store } from './store.ts';
import type { TokenIssuer } from './tokens.ts';

/** Who sent a request, as authentication resolved it. */
export type UserInfo = { username: string; uid?: string; groups: string[] };

/** What the handlers and controllers share inside one server. */
export type ServerContext = {
  registry: Registry;
  store: Store;
  now: () => Date;
  caPem: string;
  tokenIssuer: TokenIssuer;
  /** Audiences a TokenRequest gets and a TokenReview checks when none are given (the issuer, as in kube). */
  apiAudiences: string[];
};

/** kube timestamps have second precision (RFC 3339, `Z`). */
export function timestamp(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}
