import type { ServerResponse } from 'node:http';
import type { ServerContext, UserInfo } from './context.ts';
import type { Negotiated } from './http-io.ts';
import type { ResourceType } from './registry.ts';
import type { ResourceRoute } from './routes.ts';
import { badRequest } from './status-errors.ts';
import type { WatchHub } from './watch.ts';

/** One request for a resource, with what the handlers need to answer it. */
export type ResourceRequest = {
  ctx: ServerContext;
  hub: WatchHub;
  method: string;
  rt: ResourceType;
  route: ResourceRoute;
  query: URLSearchParams;
  rawBody: Buffer;
  contentType: string | undefined;
  userAgent: string | undefined;
  user: UserInfo;
  negotiated: Negotiated;
  res: ServerResponse;
  /** Sent back as `Warning: 299 - "..."` headers, as kube-apiserver does. */
  warnings: string[];
};

/** What a handler answers; `undefined` when it streamed the response itself (watch). */
export type Reply = { code: number; body: unknown } | undefined;

export function isDryRun(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const v of values)
    if (v !== 'All') throw badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  return values.length > 0;
}

/**
 * The fieldValidation parameter: Strict rejects unknown fields with 400, Warn (the default) answers with warnings,
 * Ignore drops them silently.
 */
export function unknownFieldHandler(r: ResourceRequest): (paths: string[]) => void {
  const mode = r.query.get('fieldValidation') ?? 'Warn';
  if (mode !== 'Strict' && mode !== 'Warn' && mode !== 'Ignore') {
    throw badRequest(`fieldValidation: Unsupported value: "${mode}": supported values: "Ignore", "Strict", "Warn"`);
  }
  return (paths) => {
    const messages = paths.map((p) => `unknown field "${p}"`);
    if (mode === 'Strict') {
      throw badRequest(
        `${r.rt.kind} in version "${r.rt.version}" cannot be handled as a ${r.rt.kind}: strict decoding error: ${messages.join(', ')}`,
      );
    }
    if (mode === 'Warn') r.warnings.push(...messages);
  };
}

/** kube's default field manager is the user agent up to the first '/'. */
export function fieldManagerOf(r: ResourceRequest): string {
  const explicit = r.query.get('fieldManager');
  if (explicit) return explicit;
  const ua = r.userAgent ?? 'unknown';
  return ua.split('/')[0] || 'unknown';
}
