// The embedded Kubernetes API server: what the sandbox CLI, tests and benchmarks use.
export type { UserInfo } from './context.ts';
export type { RequestLogEntry, Verb } from './request-log.ts';
export { type ApiServer, type ApiServerOptions, startApiServer } from './server.ts';
export type { TokenIssuer, TokenReviewStatus } from './tokens.ts';
