// ExternalSecret `spec.target` and its `template` (ESO v1). The template shape is shared
// with PushSecret.

import { type CheckedRule, celRules, StringEnum, StringMap } from '@lockstep/core';
import { type Static, Type } from 'typebox';

const TemplateRefItemSchema = Type.Object({
  key: Type.String({ minLength: 1 }),
  templateAs: StringEnum(['Values', 'KeysAndValues'] as const, { default: 'Values' }),
});

const TemplateRefSchema = Type.Object({
  name: Type.String({ minLength: 1 }),
  items: Type.Array(TemplateRefItemSchema),
});

export const TemplateFromSchema = Type.Object({
  configMap: Type.Optional(TemplateRefSchema),
  secret: Type.Optional(TemplateRefSchema),
  target: StringEnum(['Data', 'Annotations', 'Labels'] as const, { default: 'Data' }),
  literal: Type.Optional(Type.String()),
});

export const TemplateSchema = Type.Object({
  type: Type.Optional(Type.String({ description: 'Type of the target Secret, e.g. kubernetes.io/tls.' })),
  engineVersion: StringEnum(['v2'] as const, {
    default: 'v2',
    description: 'Only ESO template engine v2 (Go text/template + Sprig) exists.',
  }),
  mergePolicy: StringEnum(['Replace', 'Merge'] as const, { default: 'Replace' }),
  metadata: Type.Optional(
    Type.Object({
      annotations: Type.Optional(StringMap()),
      labels: Type.Optional(StringMap()),
      finalizers: Type.Optional(Type.Array(Type.String())),
    }),
  ),
  data: Type.Optional(StringMap({ description: 'Secret key -> template.' })),
  templateFrom: Type.Optional(Type.Array(TemplateFromSchema)),
});
export type SecretTemplate = Static<typeof TemplateSchema>;

export const CreationPolicies = ['Owner', 'Orphan', 'Merge', 'None'] as const;
export const DeletionPolicies = ['Delete', 'Merge', 'Retain'] as const;

interface TargetPolicies {
  creationPolicy?: string;
  deletionPolicy?: string;
}

/**
 * The combinations ESO's admission webhook rejects (Delete+Merge, Delete+None, Merge+None):
 * each would delete or empty a Secret the controller does not own, or has nothing to act on.
 * Unset policies are their defaults (Owner, Retain), which break no rule.
 */
export const TARGET_POLICY_RULES: readonly CheckedRule<TargetPolicies>[] = [
  {
    rule: "!(has(self.deletionPolicy) && self.deletionPolicy == 'Delete' && has(self.creationPolicy) && self.creationPolicy in ['Merge', 'None'])",
    message:
      "deletionPolicy Delete deletes the target Secret, and Lockstep deletes only a Secret it created: with creationPolicy Merge or None the Secret is not Lockstep's; set creationPolicy Owner (or Orphan), or deletionPolicy Retain or Merge",
    fieldPath: '.deletionPolicy',
    violated: (t) => t.deletionPolicy === 'Delete' && (t.creationPolicy === 'Merge' || t.creationPolicy === 'None'),
  },
  {
    rule: "!(has(self.deletionPolicy) && self.deletionPolicy == 'Merge' && has(self.creationPolicy) && self.creationPolicy == 'None')",
    message:
      'deletionPolicy Merge removes the keys Lockstep wrote, and creationPolicy None writes none: set creationPolicy Merge or Owner, or deletionPolicy Retain',
    fieldPath: '.deletionPolicy',
    violated: (t) => t.deletionPolicy === 'Merge' && t.creationPolicy === 'None',
  },
];

export const TargetSchema = Type.Object(
  {
    name: Type.Optional(
      Type.String({ maxLength: 253, description: 'Name of the Secret; defaults to the ExternalSecret name.' }),
    ),
    creationPolicy: StringEnum(CreationPolicies, { default: 'Owner' }),
    deletionPolicy: StringEnum(DeletionPolicies, { default: 'Retain' }),
    template: Type.Optional(TemplateSchema),
    immutable: Type.Optional(Type.Boolean()),
  },
  { default: { creationPolicy: 'Owner', deletionPolicy: 'Retain' }, ...celRules(TARGET_POLICY_RULES) },
);
export type SecretTarget = Static<typeof TargetSchema>;
