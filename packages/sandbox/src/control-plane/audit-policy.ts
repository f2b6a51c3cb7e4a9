import { COMPONENT_USERS } from './pki-files.ts';

/**
 * Metadata for every request but the control plane's own components (node heartbeats,
 * controller-manager and scheduler traffic would drown what the tests count) and the
 * probes. One line per finished request (RequestReceived is omitted).
 */
export function auditPolicyYaml(): string {
  const users = Object.values(COMPONENT_USERS).map((u) => `"${u}"`);
  return [
    'apiVersion: audit.k8s.io/v1',
    'kind: Policy',
    'omitStages: ["RequestReceived"]',
    'rules:',
    `- level: None`,
    `  users: [${[...users, '"system:apiserver"'].join(', ')}]`,
    '- level: None',
    '  nonResourceURLs: ["/healthz*", "/readyz*", "/livez*", "/version", "/openapi/*", "/api", "/api/*", "/apis", "/apis/*"]',
    '- level: Metadata',
    '',
  ].join('\n');
}
