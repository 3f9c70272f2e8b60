// RegistryEndpoint (crds/registryendpoints.berth.dev.yaml): an upstream registry.
import type { Condition, ObjectMetaLite, SecretKeyRef, SecretRef } from './conditions.ts';

export const PROVIDERS = ['dockerhub', 'oci', 'quay', 'ghcr', 'gcr', 'ecr', 'acr', 'harbor'] as const;
export type Provider = (typeof PROVIDERS)[number];

export interface RegistryEndpointSpec {
  provider: Provider;
  url?: string;
  credentialsSecretRef?: SecretRef;
  tls?: { caSecretRef?: SecretKeyRef; insecureSkipVerify?: boolean };
  httpProxy?: { url: string; noProxy?: string[] };
}

export interface RegistryEndpointStatus {
  observedGeneration?: number;
  url?: string;
  lastProbeTime?: string;
  rateLimit?: { limit?: number; remaining?: number; window?: string };
  conditions?: Condition[];
}

export interface RegistryEndpoint {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaLite;
  spec: RegistryEndpointSpec;
  status?: RegistryEndpointStatus;
}
