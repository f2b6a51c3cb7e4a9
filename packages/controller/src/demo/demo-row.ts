// One line of the demo's live table: what a resource produced, as the user sees it.
// Built from status and the target Secret's key names only: a row has no field that
// could carry a secret value.

export type Model = 'generic' | 'vault-native';

export interface TargetView {
  namespace?: string;
  name: string;
  /** Key names of the Secret; undefined while the Secret does not exist. */
  keys?: string[];
  /** Replaces the key list when the target is not one Secret (a ClusterExternalSecret). */
  summary?: string;
}

export interface NextEvent {
  /** What happens next: renew, rotate, refresh. */
  label: string;
  /** When it is due; absent when the schedule is a rule rather than a time. */
  at?: Date;
  /** The rule, e.g. `every 30s`, when there is no time. */
  rule?: string;
}

export interface DemoRow {
  kind: string;
  namespace?: string;
  name: string;
  model: Model;
  /** The Ready condition's status; undefined when the resource carries none yet. */
  ready?: 'True' | 'False' | 'Unknown';
  reason?: string;
  /** The condition's message, or why there is no condition. */
  message?: string;
  target?: TargetView;
  /** When the current lease or certificate expires. */
  leaseExpiry?: Date;
  next?: NextEvent;
}
