import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { withFreePort } from '../peers/free-port.ts';
import { once } from '../peers/once.ts';
import { type PeerProcess, startPeerProcess } from '../peers/peer-process.ts';
import { clusterAdminToken } from './admin-token.ts';
import { applyCrds } from './apply-crds.ts';
import { AuditLog } from './audit-log.ts';
import { auditPolicyYaml } from './audit-policy.ts';
import { type ControlPlaneBinaries, controlPlaneBinaries } from './binaries.ts';
import { httpsStatus, type ProbeTls } from './https-probe.ts';
import { KWOK_NODE_NAME, kwokNode } from './kwok-node.ts';
import { ADMIN_USER, COMPONENT_USERS, kubeconfigYaml, writeControlPlanePki } from './pki-files.ts';
import { type ComponentControl, restartable } from './restartable-process.ts';

export type { ComponentControl } from './restartable-process.ts';

/** The components a test may stop and start again: an outage of the API server or of its storage. */
export type RestartableComponent = 'etcd' | 'kube-apiserver';

export interface ControlPlaneOptions {
  /** Certificates, kubeconfigs, etcd data, the audit log and every component's log go here. */
  dir: string;
  deadlineMs?: number;
  binaries?: ControlPlaneBinaries;
  /** CRDs applied before kube-controller-manager starts, so its garbage collector knows them from the start. */
  crdDirs?: string[];
}

export interface ControlPlane {
  /** https://127.0.0.1:PORT */
  url: string;
  caPem: string;
  /** The admin (system:masters) kubeconfig. */
  kubeconfigPath: string;
  kubeconfig(): string;
  /** kube-apiserver's JSON audit log: every request but the control plane's own. */
  auditLogPath: string;
  /** Its resource requests, in the embedded server's request-log shape. */
  auditLog: AuditLog;
  /** A bearer token of a cluster-admin ServiceAccount, for clients that do not take certificates. */
  adminToken: string;
  /** The cluster CA's key: tests mint client certificates of their own with it. */
  caKeyPath: string;
  /** The issuer of ServiceAccount tokens (iss claim) and its signing key. */
  serviceAccountIssuer: string;
  serviceAccountPublicKeyPem: string;
  /**
   * Stops and starts etcd or kube-apiserver alone, keeping its port, data dir and
   * certificates; the other components keep running and reconnect. Start etcd before
   * kube-apiserver: kube-apiserver is ready only once its storage answers.
   */
  component(name: RestartableComponent): ComponentControl;
  stop(): Promise<void>;
}

const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
// kube-apiserver runs its post-start hooks (RBAC bootstrap, priority classes) before /readyz says ok.
const APISERVER_DEADLINE_MS = 120_000;

/**
 * etcd, kube-apiserver (RBAC and Node authorization, TokenRequest/TokenReview, audit log),
 * kube-controller-manager, kube-scheduler and kwok with one fake node, all on loopback.
 * Resolves once the node is Ready and the `default` ServiceAccount exists, so Pods can be
 * created and Deployments roll out.
 */
export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const dir = opts.dir;
  await mkdir(dir, { recursive: true });
  const bins = opts.binaries ?? (await controlPlaneBinaries());
  const pki = await writeControlPlanePki(dir);
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stoppers.splice(0).reverse()) await s().catch(() => {});
  };
  try {
    const etcd = await startEtcd(bins, dir, opts.deadlineMs);
    const etcdControl = restartable(etcd.process, etcd.again);
    stoppers.push(etcdControl.stop);

    const auditLogPath = join(dir, 'audit.log');
    const auditPolicy = join(dir, 'audit-policy.yaml');
    await writeFile(auditPolicy, auditPolicyYaml());
    const apiserver = await startKube(
      bins,
      dir,
      'kube-apiserver',
      [
        `--etcd-servers=${etcd.url}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--tls-cert-file=${pki.paths.servingCert}`,
        `--tls-private-key-file=${pki.paths.servingKey}`,
        `--client-ca-file=${pki.paths.caCert}`,
        '--authorization-mode=Node,RBAC',
        // Not a default plugin, but on in OpenShift and many managed clusters: owner references
        // with blockOwnerDeletion then need `update` on the owner's /finalizers, which the
        // chart grants and the ops suites prove.
        '--enable-admission-plugins=OwnerReferencesPermissionEnforcement',
        `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
        `--service-account-key-file=${pki.paths.serviceAccountPublic}`,
        `--service-account-signing-key-file=${pki.paths.serviceAccountPrivate}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        `--audit-policy-file=${auditPolicy}`,
        `--audit-log-path=${auditLogPath}`,
        '--audit-log-format=json',
        '--audit-log-mode=blocking',
        '--profiling=false',
        '--enable-priority-and-fairness=true',
      ],
      { path: '/readyz', tls: { caPem: pki.ca.certPem, client: pki.admin } },
      Math.max(opts.deadlineMs ?? 0, APISERVER_DEADLINE_MS),
      true,
    );
    const apiserverControl = restartable(apiserver.process, apiserver.again);
    stoppers.push(apiserverControl.stop);
    const url = apiserver.url;

    const kubeconfigPath = join(dir, 'kubeconfig');
    const adminKubeconfig = kubeconfigYaml(url, pki.ca.certPem, ADMIN_USER, pki.admin);
    await writeFile(kubeconfigPath, adminKubeconfig, { mode: 0o600 });
    const componentKubeconfig = async (name: keyof typeof COMPONENT_USERS) => {
      const path = join(dir, `${name}.kubeconfig`);
      await writeFile(path, kubeconfigYaml(url, pki.ca.certPem, COMPONENT_USERS[name], pki.components[name]), {
        mode: 0o600,
      });
      return path;
    };
    // kube-controller-manager's garbage collector rescans discovery only every 30 s: CRDs
    // created after it started would have their dependents collected late.
    await applyCrds(adminKubeconfig, opts.crdDirs ?? []);
    const [kcmConfig, schedulerConfig, kwokConfig] = await Promise.all([
      componentKubeconfig('controllerManager'),
      componentKubeconfig('scheduler'),
      componentKubeconfig('kwok'),
    ]);

    const started = await Promise.allSettled([
      startComponent(bins, dir, 'kube-controller-manager', [
        `--kubeconfig=${kcmConfig}`,
        `--authentication-kubeconfig=${kcmConfig}`,
        `--authorization-kubeconfig=${kcmConfig}`,
        `--root-ca-file=${pki.paths.caCert}`,
        `--service-account-private-key-file=${pki.paths.serviceAccountPrivate}`,
        '--use-service-account-credentials=false',
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        '--kube-api-qps=200',
        '--kube-api-burst=400',
        // Namespace deletion and garbage collection promptly, as tests clean up after themselves.
        '--concurrent-namespace-syncs=5',
        '--concurrent-gc-syncs=40',
      ]),
      startComponent(bins, dir, 'kube-scheduler', [
        `--kubeconfig=${schedulerConfig}`,
        `--authentication-kubeconfig=${schedulerConfig}`,
        `--authorization-kubeconfig=${schedulerConfig}`,
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
      ]),
      startKwok(bins, dir, kwokConfig),
    ]);
    for (const s of started) if (s.status === 'fulfilled') stoppers.push(s.value.stop);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;

    const kc = new KubeConfig();
    kc.loadFromString(adminKubeconfig);
    await waitUntilSchedulable(kc, opts.deadlineMs ?? 60_000);
    const adminToken = await clusterAdminToken(kc);
    const auditLog = new AuditLog(auditLogPath);

    return {
      url,
      caPem: pki.ca.certPem,
      caKeyPath: pki.paths.caKey,
      kubeconfigPath,
      kubeconfig: () => adminKubeconfig,
      auditLogPath,
      auditLog,
      adminToken,
      serviceAccountIssuer: SERVICE_ACCOUNT_ISSUER,
      serviceAccountPublicKeyPem: pki.serviceAccountPublicKeyPem,
      component: (name) => (name === 'etcd' ? etcdControl : apiserverControl),
      stop: once(stop),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A started peer, and how to start the same command line again (same port) after it stopped. */
interface Started {
  url: string;
  process: PeerProcess;
  again: () => Promise<PeerProcess>;
}

async function startEtcd(bins: ControlPlaneBinaries, dir: string, deadlineMs: number | undefined): Promise<Started> {
  return withFreePort(
    async (port) => {
      const url = `http://127.0.0.1:${port}`;
      const peerUrl = `http://127.0.0.1:${port + 1}`;
      const run = () =>
        startPeerProcess({
          peer: 'etcd',
          command: bins.etcd,
          args: [
            '--name=lockstep',
            `--data-dir=${join(dir, 'etcd')}`,
            `--listen-client-urls=${url}`,
            `--advertise-client-urls=${url}`,
            `--listen-peer-urls=${peerUrl}`,
            `--initial-advertise-peer-urls=${peerUrl}`,
            `--initial-cluster=lockstep=${peerUrl}`,
            // A throwaway test cluster: durability is not worth an fsync per write on a shared disk.
            '--unsafe-no-fsync',
            '--quota-backend-bytes=8589934592',
          ],
          logFile: join(dir, 'etcd.log'),
          deadlineMs,
          ready: async () => {
            const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
            return res.ok && ((await res.json()) as { health?: string }).health === 'true';
          },
        });
      return { url, process: await run(), again: run };
    },
    // Below the ephemeral range: a restart (component('etcd').start()) needs the same ports again.
    { consecutive: 2, belowEphemeral: true },
  );
}

/** A component of the multi-call `kube` binary on a free secure port, ready when `probe.path` answers 200. */
async function startKube(
  bins: ControlPlaneBinaries,
  dir: string,
  name: string,
  args: string[],
  probe: { path: string; tls: ProbeTls },
  deadlineMs?: number,
  restartable = false,
): Promise<Started> {
  return withFreePort(
    async (port) => {
      const url = `https://127.0.0.1:${port}`;
      const run = () =>
        startPeerProcess({
          peer: name,
          command: bins.kube,
          args: [name, `--secure-port=${port}`, ...args],
          logFile: join(dir, `${name}.log`),
          deadlineMs,
          ready: async () => (await httpsStatus(`${url}${probe.path}`, probe.tls)) === 200,
        });
      return { url, process: await run(), again: run };
    },
    { belowEphemeral: restartable },
  );
}

/** kube-controller-manager or kube-scheduler: a self-signed serving certificate, so /healthz is probed without trust. */
async function startComponent(
  bins: ControlPlaneBinaries,
  dir: string,
  name: string,
  args: string[],
): Promise<PeerProcess> {
  const started = await startKube(bins, dir, name, [`--cert-dir=${join(dir, `${name}-certs`)}`, ...args], {
    path: '/healthz',
    tls: { insecure: true },
  });
  return started.process;
}

async function startKwok(bins: ControlPlaneBinaries, dir: string, kubeconfig: string): Promise<PeerProcess> {
  const stages = (await readdir(bins.kwokStages)).filter((f) => f.endsWith('.yaml')).sort();
  return withFreePort((port) =>
    startPeerProcess({
      peer: 'kwok',
      command: bins.kwok,
      args: [
        `--kubeconfig=${kubeconfig}`,
        ...stages.map((f) => `--config=${join(bins.kwokStages, f)}`),
        '--manage-all-nodes=false',
        '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        '--cidr=10.244.0.0/16',
        '--node-ip=10.0.0.10',
        // The heartbeat-with-lease stage patches node status only every 10 to 20 minutes and
        // leaves liveness to the node Lease; without one the node lifecycle controller finds the
        // node stale every 50 s and marks its Pods NotReady (stuck rollouts).
        '--node-lease-duration-seconds=40',
        `--server-address=127.0.0.1:${port}`,
      ],
      logFile: join(dir, 'kwok.log'),
      ready: async () => (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) })).ok,
    }),
  );
}

/**
 * Creates the kwok node and waits until it is Ready, kwok renews its node Lease, and the
 * `default` ServiceAccount exists.
 */
async function waitUntilSchedulable(kc: KubeConfig, deadlineMs: number): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const leases = kc.makeApiClient(CoordinationV1Api);
  await core.createNode({ body: kwokNode() });
  const deadline = Date.now() + deadlineMs;
  const state = { nodeReady: false, nodeLease: false, serviceAccount: false };
  while (Date.now() < deadline) {
    const node = await core.readNode({ name: KWOK_NODE_NAME }).catch(() => undefined);
    state.nodeReady =
      node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true &&
      !(node?.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule');
    state.nodeLease = await leases
      .readNamespacedLease({ namespace: 'kube-node-lease', name: KWOK_NODE_NAME })
      .then((l) => l.spec?.renewTime !== undefined)
      .catch(() => false);
    state.serviceAccount = await core
      .readNamespacedServiceAccount({ namespace: 'default', name: 'default' })
      .then(() => true)
      .catch(() => false);
    if (state.nodeReady && state.nodeLease && state.serviceAccount) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  const missing = [
    ...(state.nodeReady ? [] : ['the kwok node was not Ready and schedulable']),
    ...(state.nodeLease ? [] : ['kwok did not renew the node Lease']),
    ...(state.serviceAccount ? [] : ['kube-controller-manager did not create the default ServiceAccount']),
  ];
  throw new Error(
    `the control plane started, but within ${deadlineMs / 1000} s ${missing.join(' and ')} (see kwok.log and kube-controller-manager.log)`,
  );
}
