// RBAC evaluation for the request log: whether a rendered ClusterRole or Role grants a
// request, and which (group, resource, verb) permissions a role spells out. Enough of
// Kubernetes' rule matching for the chart: apiGroups, resources with subresources,
// verbs, resourceNames and `*` wildcards; a Role applies only inside its namespace.

import type { RequestLogEntry } from '@lockstep/sandbox';

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface RoleLike {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: PolicyRule[];
}

/** `group/resource[/subresource]:verb`, the key the allow-list and the reports use. */
export function permissionKey(group: string, resource: string, verb: string): string {
  return `${group === '' ? 'core' : group}/${resource}:${verb}`;
}

export function requestResource(r: Pick<RequestLogEntry, 'resource' | 'subresource'>): string {
  return r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
}

export function ruleGrants(rule: PolicyRule, r: RequestLogEntry): boolean {
  const resource = requestResource(r);
  const has = (list: string[] | undefined, value: string) => (list ?? []).some((v) => v === '*' || v === value);
  if (!has(rule.apiGroups, r.group) || !has(rule.resources, resource) || !has(rule.verbs, r.verb)) return false;
  // resourceNames cannot limit create, list, watch or deletecollection: the name is not known (or not one).
  if (rule.resourceNames && rule.resourceNames.length > 0)
    return r.name !== undefined && rule.resourceNames.includes(r.name);
  return true;
}

export function roleGrants(role: RoleLike, r: RequestLogEntry): boolean {
  if (role.kind === 'Role' && r.namespace !== role.metadata.namespace) return false;
  return (role.rules ?? []).some((rule) => ruleGrants(rule, r));
}

/** Every permission key a role spells out (wildcards stay as written). */
export function grantedPermissions(role: RoleLike): string[] {
  const keys: string[] = [];
  for (const rule of role.rules ?? []) {
    for (const group of rule.apiGroups ?? [])
      for (const resource of rule.resources ?? [])
        for (const verb of rule.verbs) keys.push(permissionKey(group, resource, verb));
  }
  return [...new Set(keys)];
}
