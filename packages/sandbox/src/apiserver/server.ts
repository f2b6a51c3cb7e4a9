import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Authenticator } from './authentication.ts';
import type { ServerContext, UserInfo } from './context.ts';
import { CrdController } from './crd-controller.ts';
import {
  AGGREGATED_DISCOVERY_TYPE,
  aggregatedDiscovery,
  apiVersions,
  group,
  groupList,
  KUBE_VERSION,
  resourceList,
  wantsAggregated,
} from './discovery.ts';
import { GarbageCollector } from './garbage-collector.ts';
import { handleAccessReview, handleTokenRequest, handleTokenReview } from './handle-auth.ts';
import { handleDelete, handleDeleteCollection } from './handle-delete.ts';
import { handlePatch } from './handle-patch.ts';
import { handleGet, handleList, handleWatch } from './handle-read.ts';
import { handleScale } from './handle-scale.ts';
import { handleCreate, handleUpdate } from './handle-write.ts';
import { negotiate, readBody, sendError, sendJson, sendObject } from './http-io.ts';
import { kubeconfigYaml } from './kubeconfig.ts';
import { NamespaceController } from './namespaces.ts';
import { OPENAPI_V2_JSON, OpenApi } from './openapi.ts';
import { createSandboxCa, issueServingCert } from './pki.ts';
import { builtinResources, Registry } from './registry.ts';
import { RequestLog, type RequestLogEntry, verbOf } from './request-log.ts';
import type { Reply, ResourceRequest } from './resource-request.ts';
import { RolloutSimulator } from './rollout-simulator.ts';
import { parseRoute, type ResourceRoute } from './routes.ts';
import { ApiError, internalError, methodNotAllowed, statusBody, unauthorized } from './status-errors.ts';
import { Store } from './store.ts';
import { TokenIssuer } from './tokens.ts';
import { WatchHub } from './watch.ts';

export type ApiServerOptions = {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Folders of CRD YAML files registered at start. */
  crdDirs?: string[];
  /** How long a simulated workload rollout takes; 2000 ms by default. */
  rolloutDelayMs?: number;
  /** Changes kept for watches to resume from; older resourceVersions get 410 Gone. */
  watchHistorySize?: number;
  /** Period of BOOKMARK events on watches that allow them; 5000 ms by default. */
  bookmarkIntervalMs?: number;
  now?: () => Date;
};

export type ApiServer = {
  /** https://127.0.0.1:PORT */
  url: string;
  caPem: string;
  adminToken: string;
  tokenIssuer: TokenIssuer;
  /** A kubeconfig (YAML) trusting the sandbox CA and authenticating as admin. */
  kubeconfig(): string;
  writeKubeconfig(path: string): Promise<void>;
  requests(): RequestLogEntry[];
  clearRequests(): void;
  setRolloutDelay(ms: number): void;
  /**
   * Ends every open watch stream (clients resume from their last resourceVersion); with `{ reset: true }` the
   * connections are cut instead, which client-node reports as a watch error.
   */
  dropWatches(opts?: { reset?: boolean }): void;
  /** Forgets the watch history: resuming from any earlier resourceVersion gets 410 Gone, forcing a relist. */
  compact(): void;
  stop(): Promise<void>;
};

const NOT_FOUND = new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});

type Services = {
  ctx: ServerContext;
  hub: WatchHub;
  log: RequestLog;
  auth: Authenticator;
  openapi: OpenApi;
  rollout: RolloutSimulator;
  adminToken: string;
};

export async function startApiServer(opts: ApiServerOptions = {}): Promise<ApiServer> {
  const ca = await createSandboxCa();
  const serving = await issueServingCert(ca, ['localhost', '127.0.0.1']);
  const host = opts.host ?? '127.0.0.1';
  let services: Services | undefined;
  const server: Server = createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
    if (!services) {
      sendError(res, new ApiError(503, 'ServiceUnavailable', 'the server is starting'));
      return;
    }
    void handle(services, req, res);
  });
  // Watches are long-lived; do not let node's request timeout cut them.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `https://${host}:${port}`;
  const tokenIssuer = await TokenIssuer.create(url);
  const registry = new Registry(builtinResources());
  const store = new Store(opts.watchHistorySize ?? 10_000);
  const ctx: ServerContext = {
    registry,
    store,
    now: opts.now ?? (() => new Date()),
    caPem: ca.certPem,
    tokenIssuer,
    apiAudiences: [url],
  };
  const adminToken = randomBytes(24).toString('base64url');
  const namespaces = new NamespaceController(ctx);
  const gc = new GarbageCollector(ctx);
  const crds = new CrdController(ctx);
  const rollout = new RolloutSimulator(ctx, opts.rolloutDelayMs ?? 2000);
  const hub = new WatchHub(ctx, opts.bookmarkIntervalMs ?? 5000);
  const log = new RequestLog();
  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) namespaces.createNamespace(ns);
  crds.loadDirs(opts.crdDirs ?? []);
  services = {
    ctx,
    hub,
    log,
    auth: new Authenticator(ctx, adminToken),
    openapi: new OpenApi(registry),
    rollout,
    adminToken,
  };

  const kubeconfig = () => kubeconfigYaml({ server: url, caPem: ca.certPem, token: adminToken });
  return {
    url,
    caPem: ca.certPem,
    adminToken,
    tokenIssuer,
    kubeconfig,
    writeKubeconfig: (path) => writeFile(path, kubeconfig(), { mode: 0o600 }),
    requests: () => log.all(),
    clearRequests: () => log.clear(),
    setRolloutDelay: (ms) => {
      rollout.delayMs = ms;
    },
    dropWatches: (o) => hub.dropAll(o?.reset === true),
    compact: () => store.compact(),
    stop: async () => {
      rollout.stop();
      gc.stop();
      namespaces.stop();
      crds.stop();
      hub.dropAll(true);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function handle(s: Services, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://localhost');
  const route = parseRoute(url.pathname);
  let logEntry: Omit<RequestLogEntry, 'code'> | undefined;
  try {
    const user = await s.auth.authenticate(req);
    if (route.kind === 'resource') {
      if (!user) throw unauthorized();
      logEntry = entryFor(s, req, route, url.searchParams, user);
      const warnings: string[] = [];
      const reply = await handleResource(s, req, res, route, url.searchParams, user, warnings);
      if (warnings.length > 0 && !res.headersSent) {
        res.setHeader(
          'Warning',
          warnings.map((w) => `299 - ${JSON.stringify(w)}`),
        );
      }
      if (reply) sendObject(res, reply.code, reply.body, negotiate(req.headers.accept).yaml);
    } else {
      await handleNonResource(s, req, res, route, url);
    }
  } catch (err) {
    const apiErr = err instanceof ApiError ? err : internalError((err as Error).message ?? String(err));
    if (!(err instanceof ApiError)) console.error('apiserver: request failed', req.method, req.url, err);
    if (res.headersSent) res.end();
    else sendError(res, apiErr);
  } finally {
    if (logEntry) {
      const entry = logEntry;
      // Watches are logged when they start; their status is the 200 they were answered with.
      if (res.headersSent) s.log.add({ ...entry, code: res.statusCode });
      else res.once('finish', () => s.log.add({ ...entry, code: res.statusCode }));
    }
  }
}

function isWatch(route: ResourceRoute, query: URLSearchParams): boolean {
  const w = query.get('watch');
  return route.watchPath || w === 'true' || w === '1';
}

function entryFor(
  s: Services,
  req: IncomingMessage,
  route: ResourceRoute,
  query: URLSearchParams,
  user: UserInfo,
): Omit<RequestLogEntry, 'code'> | undefined {
  const verb = verbOf(req.method ?? 'GET', route.name !== undefined, isWatch(route, query));
  if (!verb) return undefined;
  const entry: Omit<RequestLogEntry, 'code'> = {
    time: s.ctx.now().toISOString(),
    user: user.username,
    verb,
    group: route.group,
    version: route.version,
    resource: route.plural,
  };
  if (route.subresource) entry.subresource = route.subresource;
  if (route.namespace) entry.namespace = route.namespace;
  if (route.name) entry.name = route.name;
  return entry;
}

function subresourceAllowed(req: ResourceRequest): boolean {
  const sub = req.route.subresource;
  if (sub === undefined) return true;
  if (sub === 'status') return req.rt.hasStatus;
  if (sub === 'finalize') return req.rt.kind === 'Namespace' && !req.rt.custom;
  return req.rt.subresources.some((x) => x.name === sub);
}

async function handleResource(
  s: Services,
  req: IncomingMessage,
  res: ServerResponse,
  route: ResourceRoute,
  query: URLSearchParams,
  user: UserInfo,
  warnings: string[],
): Promise<Reply> {
  const rt = s.ctx.registry.find(route.group, route.version, route.plural);
  if (!rt) throw NOT_FOUND;
  if (route.namespace !== undefined && !rt.namespaced) throw NOT_FOUND;
  const method = req.method ?? 'GET';
  const rawBody = method === 'GET' ? Buffer.alloc(0) : await readBody(req);
  const r: ResourceRequest = {
    ctx: s.ctx,
    hub: s.hub,
    method,
    rt,
    route,
    query,
    rawBody,
    contentType: req.headers['content-type'],
    userAgent: req.headers['user-agent'],
    user,
    negotiated: negotiate(req.headers.accept),
    res,
    warnings,
  };
  if (!subresourceAllowed(r)) throw NOT_FOUND;
  const watch = isWatch(route, query);
  const verb = verbOf(method, route.name !== undefined, watch);
  const sub = route.subresource;
  if (sub === 'scale') return handleScale(r);
  if (sub === 'token') {
    if (method !== 'POST') throw methodNotAllowed(method, rt);
    return handleTokenRequest(r);
  }
  if (!verb || (!sub && !rt.verbs.includes(verb))) throw methodNotAllowed(method, rt);
  switch (verb) {
    case 'get':
      return handleGet(r);
    case 'list':
      return handleList(r);
    case 'watch':
      return handleWatch(r);
    case 'create':
      if (route.name !== undefined) throw methodNotAllowed(method, rt);
      if (rt.kind === 'TokenReview' && rt.group === 'authentication.k8s.io') return handleTokenReview(r, s.adminToken);
      if (rt.group === 'authorization.k8s.io') return handleAccessReview(r);
      if (rt.namespaced && route.namespace === undefined) throw methodNotAllowed(method, rt);
      return handleCreate(r);
    case 'update':
      return handleUpdate(r);
    case 'patch':
      return handlePatch(r);
    case 'delete':
      return handleDelete(r);
    case 'deletecollection':
      return handleDeleteCollection(r);
  }
}

async function handleNonResource(
  s: Services,
  req: IncomingMessage,
  res: ServerResponse,
  route: ReturnType<typeof parseRoute>,
  url: URL,
): Promise<void> {
  const { registry } = s.ctx;
  const method = req.method ?? 'GET';
  const accept = req.headers.accept;
  switch (route.kind) {
    case 'apiVersions':
      if (wantsAggregated(accept)) sendJson(res, 200, aggregatedDiscovery(registry, true), AGGREGATED_DISCOVERY_TYPE);
      else sendJson(res, 200, apiVersions());
      return;
    case 'groupList':
      if (wantsAggregated(accept)) sendJson(res, 200, aggregatedDiscovery(registry, false), AGGREGATED_DISCOVERY_TYPE);
      else sendJson(res, 200, groupList(registry));
      return;
    case 'group': {
      const body = group(registry, route.group);
      if (!body) throw NOT_FOUND;
      sendJson(res, 200, body);
      return;
    }
    case 'resourceList': {
      const body = resourceList(registry, route.group, route.version);
      if (!body) throw NOT_FOUND;
      sendJson(res, 200, body);
      return;
    }
    case 'resource':
      throw NOT_FOUND;
    case 'other':
      return handleOther(s, req, res, method, url);
  }
}

async function handleOther(
  s: Services,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  url: URL,
): Promise<void> {
  const path = url.pathname;
  const { ctx } = s;
  if (path === '/version') return sendJson(res, 200, KUBE_VERSION);
  if (path === '/healthz' || path === '/livez' || path === '/readyz') {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('ok');
    return;
  }
  if (path === '/openapi/v2') {
    const accept = req.headers.accept ?? '';
    if (accept.includes('json') || accept === '' || accept.includes('*/*')) return sendJson(res, 200, OPENAPI_V2_JSON);
    // Zero protobuf bytes decode to an empty OpenAPI v2 Document: kubectl then skips its own validation.
    res.writeHead(200, {
      'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
      'Content-Length': 0,
    });
    res.end();
    return;
  }
  if (path === '/openapi/v3') return sendJson(res, 200, s.openapi.root());
  if (path.startsWith('/openapi/v3/')) {
    const text = s.openapi.groupVersion(path.slice('/openapi/v3/'.length));
    if (text === undefined) throw NOT_FOUND;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  if (path === '/.well-known/openid-configuration') {
    const jwks = ctx.tokenIssuer.jwks() as { keys: { alg?: string }[] };
    return sendJson(res, 200, {
      issuer: ctx.tokenIssuer.issuerUrl,
      jwks_uri: `${ctx.tokenIssuer.issuerUrl}/openid/v1/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [jwks.keys[0]?.alg ?? 'RS256'],
    });
  }
  if (path === '/openid/v1/jwks') return sendJson(res, 200, ctx.tokenIssuer.jwks(), 'application/jwk-set+json');
  if (path === '/sandbox/requests') {
    if (method === 'GET') return sendJson(res, 200, s.log.all());
    if (method === 'DELETE') {
      s.log.clear();
      return sendJson(res, 200, { cleared: true });
    }
  }
  if (path === '/sandbox/rollout-delay' && method === 'PUT') {
    const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as { ms?: unknown };
    if (typeof body.ms !== 'number' || body.ms < 0) {
      return sendJson(res, 400, statusBody(new ApiError(400, 'BadRequest', 'body must be {"ms": N}')));
    }
    s.rollout.delayMs = body.ms;
    return sendJson(res, 200, { ms: body.ms });
  }
  if (path === '/sandbox/drop-watches' && method === 'POST') {
    s.hub.dropAll(url.searchParams.get('reset') === 'true');
    return sendJson(res, 200, { dropped: true });
  }
  if (path === '/sandbox/compact' && method === 'POST') {
    ctx.store.compact();
    return sendJson(res, 200, { resourceVersion: String(ctx.store.resourceVersion) });
  }
  throw NOT_FOUND;
}
