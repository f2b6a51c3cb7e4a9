// Public surface of @lockstep/sandbox: what other packages may import.
export {
  type ApiServer,
  type ApiServerOptions,
  type RequestLogEntry,
  startApiServer,
  type TokenIssuer,
  type TokenReviewStatus,
  type UserInfo,
  type Verb,
} from './apiserver/index.ts';

export { applyCrds } from './control-plane/apply-crds.ts';
export { AuditLog } from './control-plane/audit-log.ts';
export {
  type ComponentControl,
  type ControlPlane,
  type ControlPlaneOptions,
  type RestartableComponent,
  startControlPlane,
} from './control-plane/control-plane.ts';
export {
  type Fault,
  type FaultOptions,
  type FaultProxy,
  type FaultWindow,
  faults,
  type ProxiedRequest,
  requestRate,
  startFaultProxy,
} from './faults/fault-proxy.ts';
export { failingRequestBound, failingRunsWithin, type QueueBackoff, type RateBound } from './faults/rate-bound.ts';
export { type DurableOpenBao, type DurableOpenBaoOptions, startDurableOpenBao } from './peers/durable-openbao.ts';
// Real peers, their seeding, the whole sandbox and helpers for test files.
export { type MotoPeer, startMoto } from './peers/moto.ts';
export { type OpenBaoPeer, startOpenBao } from './peers/openbao.ts';
export { type BaoResponse, type BaoResult, type OpenBaoApi, OpenBaoApiError, openBaoApi } from './peers/openbao-api.ts';
export { PeerStartError } from './peers/peer-start-error.ts';
export { type PostgresPeer, startPostgres } from './peers/postgres.ts';
export { ALL_PEERS, type PeerName, type Sandbox, type SandboxOptions, startSandbox } from './sandbox.ts';
export { SEED_DEFAULTS } from './seed/defaults.ts';
export {
  ensureNamespace,
  ensureServiceAccount,
  grantSecretAccess,
  grantTokenReview,
  serviceAccountToken,
} from './seed/kubernetes.ts';
export { EXAMPLE_AWS_SECRETS, type MotoConnection, secretsManagerClient, seedMoto } from './seed/moto.ts';
export { appPolicyHcl, type OpenBaoSeed, type OpenBaoSeedOptions, seedOpenBao } from './seed/openbao.ts';
export {
  type AppRoleSeed,
  seedAppRole,
  seedJwtAuth,
  seedJwtRole,
  seedKubernetesAuth,
  seedKubernetesRole,
} from './seed/openbao-auth.ts';
export {
  EXAMPLE_KV_SECRETS,
  type PostgresConnection,
  seedDatabase,
  seedKv,
  seedPki,
  seedTransit,
} from './seed/openbao-engines.ts';
export { enableAuthMethod, enableSecretsEngine, writePolicy } from './seed/openbao-mounts.ts';
export { dedicatedTestCluster } from './testing/dedicated-cluster.ts';
export { assertNoLeaks, findLeaks, type LeakPlaces, managedSecretValues } from './testing/leak-scan.ts';
export {
  type LockstepExit,
  type LockstepProcess,
  type LockstepProcessOptions,
  type LogEntry,
  startLockstepProcess,
} from './testing/lockstep-process.ts';
export {
  appDeployment,
  connectPostgres,
  kubeConfigFromEnv,
  motoFromEnv,
  openBaoFromEnv,
  PEER_ENV,
  postgresConfigFromEnv,
  requirePeerEnv,
  usersOfDynamicRole,
} from './testing/peers.ts';
export { acquireTestCluster, type TestCluster } from './testing/test-cluster.ts';
