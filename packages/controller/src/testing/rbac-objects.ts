// RBAC a user grants by hand: the real API server enforces it, so tests that give a store's
// service account access to another namespace write these as a user would.
import type { Obj } from './external-resources.ts';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

export function role(namespace: string, name: string, rules: PolicyRule[]): Obj {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace }, rules } as Obj;
}

/** Binds Role `name` in `namespace` to a ServiceAccount. */
export function roleBinding(namespace: string, name: string, serviceAccount: { namespace: string; name: string }): Obj {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', ...serviceAccount }],
  } as Obj;
}
