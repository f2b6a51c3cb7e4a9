import type { V1Node } from '@kubernetes/client-node';

export const KWOK_NODE_NAME = 'kwok-node-0';

/**
 * A fake node that kwok manages (selected by its annotation): kwok keeps its heartbeat
 * Lease and status, and walks Pods bound to it to Running and Ready. Generous capacity,
 * since every Deployment of every suite lands here.
 */
export function kwokNode(): V1Node {
  const capacity = { cpu: '64', memory: '256Gi', pods: '1000' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: KWOK_NODE_NAME,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': KWOK_NODE_NAME,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
      },
    },
    status: { capacity, allocatable: capacity },
  };
}
