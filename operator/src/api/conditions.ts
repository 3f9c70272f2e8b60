// The Condition shape shared by both kinds: metav1.Condition, so kstatus, Argo CD and Flux read it as health.
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface ObjectMetaLite {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string | Date;
  deletionTimestamp?: string | Date;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface SecretRef {
  name: string;
}

export interface SecretKeyRef {
  name: string;
  /** Defaulted by the schema. */
  key?: string;
}
