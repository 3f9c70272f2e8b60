// ProxyCacheProject (crds/proxycacheprojects.berth.dev.yaml): one pull-through cache of one upstream.
import type { Condition, ObjectMetaLite, SecretKeyRef, SecretRef } from './conditions.ts';

export const NODE_RUNTIMES = ['containerd', 'k3s', 'rke2', 'crio', 'docker'] as const;
export type NodeRuntime = (typeof NODE_RUNTIMES)[number];

/** clusterIP | nodePort | ingress | an explicit http(s) URL. */
export type NodeMirrorAddress = 'clusterIP' | 'nodePort' | 'ingress' | (string & {});

export interface ProxyCacheProjectSpec {
  endpointRef: SecretRef;
  registry?: string;
  replicas?: number;
  storage?: { size?: string; storageClassName?: string; accessMode?: 'ReadWriteOnce' | 'ReadWriteMany' };
  /** Omitted: the embedded index on the volume. The CRD requires redis when replicas > 1 (they share one store). */
  index?: { redis?: { url: string } };
  cache?: {
    tagTTL?: string;
    keepAfterUpstreamDelete?: boolean;
    retention?: { unusedFor?: string; maxSize?: string };
    pinned?: string[];
  };
  access?: { anonymous?: boolean; htpasswdSecretRef?: SecretKeyRef };
  /**
   * HTTPS served by the proxy pods themselves, from a kubernetes.io/tls Secret in the project's namespace (what a
   * cert-manager Certificate writes). The plain HTTP port stays; rotation of the Secret needs no restart.
   */
  tls?: { secretName: string };
  ingress?: { host?: string; className?: string; tls?: { secretName: string } };
  nodeMirror?: {
    enabled?: boolean;
    runtimes?: NodeRuntime[];
    nodeSelector?: Record<string, string>;
    address?: NodeMirrorAddress;
  };
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  image?: string;
}

export interface ProxyCacheProjectStatus {
  observedGeneration?: number;
  registry?: string;
  urls?: { inCluster?: string; nodeMirror?: string; ingress?: string; inClusterHTTPS?: string };
  cache?: {
    artifacts?: number;
    bytes?: number;
    size?: string;
    hits?: number;
    misses?: number;
    hitPercent?: number;
    upstreamDeleted?: number;
    lastUpstreamError?: string;
    updateTime?: string;
  };
  nodes?: { configured?: number; total?: number; summary?: string };
  storage?: { size?: string; storageClassName?: string };
  conditions?: Condition[];
}

export interface ProxyCacheProject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaLite;
  spec: ProxyCacheProjectSpec;
  status?: ProxyCacheProjectStatus;
}

export const PROJECT_CONDITIONS = ['Ready', 'Progressing', 'Degraded', 'EndpointReady', 'StorageBound', 'NodeMirrorReady', 'TLSReady'] as const;
export type ProjectConditionType = (typeof PROJECT_CONDITIONS)[number];
