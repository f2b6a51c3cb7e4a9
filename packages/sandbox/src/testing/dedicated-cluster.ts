// A control plane of one test file's own, seen as a TestCluster: for suites that take etcd or
// kube-apiserver down (docs/reliability.md), which must never disturb the shared clusters other
// suites hold. Nothing to clean up object by object: the whole control plane goes at the end.

import { writeFile } from 'node:fs/promises';
import { KubeConfig } from '@kubernetes/client-node';
import type { ControlPlane } from '../control-plane/control-plane.ts';
import { once } from '../peers/once.ts';
import { assertNoLeaks } from './leak-scan.ts';
import type { SuiteEnd, TestCluster } from './test-cluster.ts';

/** `stop()` scans for leaks while everything runs, stops the suite's controllers, then the control plane. */
export function dedicatedTestCluster(controlPlane: ControlPlane): TestCluster {
  const kc = new KubeConfig();
  kc.loadFromString(controlPlane.kubeconfig());
  return {
    url: controlPlane.url,
    caPem: controlPlane.caPem,
    kc,
    kubeconfig: () => controlPlane.kubeconfig(),
    writeKubeconfig: (path) => writeFile(path, controlPlane.kubeconfig(), { mode: 0o600 }),
    requests: () => controlPlane.auditLog.requests(),
    clearRequests: () => controlPlane.auditLog.clear(),
    stop: once(async (end: SuiteEnd = {}) => {
      // A leak is reported last, once the control plane is gone.
      const scan = end.leaks ? assertNoLeaks(end.leaks, end.remembered) : Promise.resolve();
      const leaked: unknown = await scan.catch((err: unknown) => err ?? new Error('leak scan failed'));
      try {
        await end.stopControllers?.();
      } finally {
        await controlPlane.stop();
      }
      if (leaked) throw leaked;
    }),
  };
}
