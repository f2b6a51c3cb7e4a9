import { crdResourceTypes } from './crd-controller.ts';
import type { FieldCause } from './crd-schema.ts';
import { deepEqual, isRecord, type KubeObject } from './kube-object.ts';
import type { ResourceType } from './registry.ts';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function invalidValue(field: string, value: unknown, why: string): FieldCause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${why}`, field };
}

function required(field: string, why = 'Required value'): FieldCause {
  return { reason: 'FieldValueRequired', message: why, field };
}

/** Name rules: namespaces are DNS labels, everything else here a DNS subdomain. */
export function validateName(rt: ResourceType, name: string): FieldCause[] {
  if (rt.kind === 'Namespace') {
    if (name.length > 63 || !DNS_LABEL.test(name)) {
      return [
        invalidValue(
          'metadata.name',
          name,
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        ),
      ];
    }
    return [];
  }
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    return [
      invalidValue(
        'metadata.name',
        name,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ),
    ];
  }
  return [];
}

function record(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = obj[key];
  if (isRecord(v)) return v;
  const fresh: Record<string, unknown> = {};
  obj[key] = fresh;
  return fresh;
}

function setDefault(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (obj[key] === undefined || obj[key] === null) obj[key] = value;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function secretRules(obj: KubeObject, existing: KubeObject | undefined): FieldCause[] {
  const causes: FieldCause[] = [];
  // kube-apiserver folds stringData into data and never stores or returns stringData.
  if (isRecord(obj.stringData)) {
    const data = record(obj, 'data');
    for (const [k, v] of Object.entries(obj.stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  }
  delete obj.stringData;
  setDefault(obj, 'type', 'Opaque');
  if (isRecord(obj.data)) {
    for (const [k, v] of Object.entries(obj.data)) {
      if (typeof v !== 'string' || v.length % 4 !== 0 || !BASE64.test(v)) {
        causes.push(invalidValue(`data[${k}]`, v, 'illegal base64 data'));
      }
    }
  }
  if (existing) {
    if (existing.type !== obj.type) causes.push(invalidValue('type', obj.type, 'field is immutable'));
    if (existing.immutable === true && (!deepEqual(existing.data, obj.data) || obj.immutable !== true)) {
      causes.push({
        reason: 'FieldValueForbidden',
        message: 'Forbidden: field is immutable when `immutable` is set',
        field: 'data',
      });
    }
  }
  return causes;
}

function configMapRules(obj: KubeObject, existing: KubeObject | undefined): FieldCause[] {
  if (existing?.immutable === true && (!deepEqual(existing.data, obj.data) || obj.immutable !== true)) {
    return [
      {
        reason: 'FieldValueForbidden',
        message: 'Forbidden: field is immutable when `immutable` is set',
        field: 'data',
      },
    ];
  }
  return [];
}

function namespaceRules(obj: KubeObject): FieldCause[] {
  const spec = record(obj, 'spec');
  setDefault(spec, 'finalizers', ['kubernetes']);
  const status = record(obj, 'status');
  setDefault(status, 'phase', 'Active');
  const name = obj.metadata.name ?? '';
  obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': name };
  return [];
}

function selectorMatchesTemplate(obj: KubeObject): FieldCause[] {
  const spec = isRecord(obj.spec) ? obj.spec : undefined;
  if (!spec) return [required('spec')];
  const causes: FieldCause[] = [];
  const selector = spec.selector;
  if (!isRecord(selector)) return [required('spec.selector')];
  const template = isRecord(spec.template) ? spec.template : {};
  const labels = isRecord(template.metadata) && isRecord(template.metadata.labels) ? template.metadata.labels : {};
  const matchLabels = isRecord(selector.matchLabels) ? selector.matchLabels : {};
  if (Object.keys(matchLabels).length === 0 && !Array.isArray(selector.matchExpressions)) {
    causes.push(invalidValue('spec.selector', selector, 'empty selector is invalid for deployment'));
  }
  for (const [k, v] of Object.entries(matchLabels)) {
    if (labels[k] !== v) {
      causes.push(invalidValue('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
      break;
    }
  }
  const podSpec = isRecord(template.spec) ? template.spec : {};
  const containers = Array.isArray(podSpec.containers) ? podSpec.containers : [];
  if (containers.length === 0) causes.push(required('spec.template.spec.containers'));
  containers.forEach((c, i) => {
    if (!isRecord(c) || typeof c.name !== 'string' || c.name === '') {
      causes.push(required(`spec.template.spec.containers[${i}].name`));
    }
    if (!isRecord(c) || typeof c.image !== 'string' || c.image === '') {
      causes.push(required(`spec.template.spec.containers[${i}].image`));
    }
  });
  return causes;
}

function podTemplateDefaults(spec: Record<string, unknown>): void {
  const template = record(spec, 'template');
  const podSpec = record(template, 'spec');
  setDefault(podSpec, 'restartPolicy', 'Always');
  setDefault(podSpec, 'terminationGracePeriodSeconds', 30);
  setDefault(podSpec, 'dnsPolicy', 'ClusterFirst');
  setDefault(podSpec, 'schedulerName', 'default-scheduler');
  setDefault(podSpec, 'securityContext', {});
}

function workloadRules(obj: KubeObject, kind: string, existing: KubeObject | undefined): FieldCause[] {
  if (!isRecord(obj.spec)) return [required('spec')];
  const spec = obj.spec;
  if (kind !== 'DaemonSet') setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  if (kind === 'Deployment') {
    setDefault(spec, 'progressDeadlineSeconds', 600);
    setDefault(spec, 'strategy', { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
  } else if (kind === 'StatefulSet') {
    setDefault(spec, 'podManagementPolicy', 'OrderedReady');
    setDefault(spec, 'updateStrategy', { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    setDefault(spec, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
  } else {
    setDefault(spec, 'updateStrategy', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  }
  podTemplateDefaults(spec);
  const causes = selectorMatchesTemplate(obj);
  if (typeof spec.replicas === 'number' && spec.replicas < 0) {
    causes.push(invalidValue('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  }
  if (existing && isRecord(existing.spec) && !deepEqual(existing.spec.selector, spec.selector)) {
    causes.push(invalidValue('spec.selector', spec.selector, 'field is immutable'));
  }
  return causes;
}

function crdRules(obj: KubeObject): FieldCause[] {
  const spec = isRecord(obj.spec) ? obj.spec : undefined;
  if (!spec) return [required('spec')];
  const names = isRecord(spec.names) ? spec.names : {};
  const causes: FieldCause[] = [];
  if (typeof spec.group !== 'string' || !spec.group) causes.push(required('spec.group'));
  if (typeof names.plural !== 'string' || !names.plural) causes.push(required('spec.names.plural'));
  if (typeof names.kind !== 'string' || !names.kind) causes.push(required('spec.names.kind'));
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    causes.push({
      reason: 'FieldValueNotSupported',
      message: 'Unsupported value: supported values: "Cluster", "Namespaced"',
      field: 'spec.scope',
    });
  }
  const expected = `${String(names.plural)}.${String(spec.group)}`;
  if (obj.metadata.name !== expected) {
    causes.push(invalidValue('metadata.name', obj.metadata.name, 'must be spec.names.plural+"."+spec.group'));
  }
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0)
    causes.push(required('spec.versions', 'Invalid value: must have exactly one version marked as storage version'));
  else if (versions.filter((v) => isRecord(v) && v.storage === true).length !== 1) {
    causes.push(
      invalidValue('spec.versions', versions.length, 'must have exactly one version marked as storage version'),
    );
  }
  if (causes.length > 0) return causes;
  try {
    crdResourceTypes(obj);
  } catch (err) {
    causes.push(invalidValue('spec.versions[*].schema.openAPIV3Schema', null, (err as Error).message));
  }
  return causes;
}

/** Defaults and validation of built-in kinds (the subset operators and their tests rely on). */
export function applyBuiltinRules(rt: ResourceType, obj: KubeObject, existing: KubeObject | undefined): FieldCause[] {
  if (rt.custom) return [];
  switch (rt.kind) {
    case 'Secret':
      return secretRules(obj, existing);
    case 'ConfigMap':
      return configMapRules(obj, existing);
    case 'Namespace':
      return namespaceRules(obj);
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
      return workloadRules(obj, rt.kind, existing);
    case 'CustomResourceDefinition':
      return crdRules(obj);
    default:
      return [];
  }
}
