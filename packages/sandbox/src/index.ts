// Public surface of @lockstep/sandbox: what other packages may import.
export { type ApiServer, type RequestLogEntry, startApiServer } from './apiserver/index.ts';

export { applyCrds } from './control-plane/apply-crds.ts';
export { AuditLog } from './control-plane/audit-log.ts';
export { type ControlPlane, startControlPlane } from './control-plane/control-plane.ts';
export {
  type Fault,
  type FaultProxy,
  type FaultWindow,
  faults,
  requestRate,
  startFaultProxy,
} from './faults/fault-proxy.ts';
export { failingRequestBound } from './faults/rate-bound.ts';
export { type DurableOpenBao, startDurableOpenBao } from './peers/durable-openbao.ts';
// Real peers, their seeding, the whole sandbox and helpers for test files.
export { refusedPort } from './peers/free-port.ts';
export { type MotoPeer, startMoto } from './peers/moto.ts';

export { type OpenBaoApi, openBaoApi } from './peers/openbao-api.ts';
export { startWebhookServer, type WebhookServer } from './peers/webhook-server.ts';

export { type Sandbox, startSandbox } from './sandbox.ts';

export {
  ensureNamespace,
  ensureServiceAccount,
  grantSecretAccess,
  grantTokenReview,
  serviceAccountToken,
} from './seed/kubernetes.ts';
export { secretsManagerClient } from './seed/moto.ts';

export { seedKubernetesAuth } from './seed/openbao-auth.ts';
export { seedDatabase, seedPki } from './seed/openbao-engines.ts';

export { dedicatedTestCluster } from './testing/dedicated-cluster.ts';
export { httpsGet } from './testing/https-get.ts';
export { assertNoLeaks, findLeaks } from './testing/leak-scan.ts';
export { type LockstepExit, type LockstepProcess, startLockstepProcess } from './testing/lockstep-process.ts';
export {
  appDeployment,
  connectPostgres,
  kubeConfigFromEnv,
  motoFromEnv,
  openBaoFromEnv,
  postgresConfigFromEnv,
  requirePeerEnv,
  usersOfDynamicRole,
} from './testing/peers.ts';
export { acquireTestCluster, type TestCluster } from './testing/test-cluster.ts';
