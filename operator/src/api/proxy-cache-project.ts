// ProxyCacheProject (crds/proxycacheprojects.berth.dev.yaml): one pull-through cache of one upstream.
import type { Condition, ObjectMetaLite, SecretKeyRef, SecretRef } from './conditions.ts';

export const NODE_RUNTIMES = ['containerd', 'k3s', 'rke2', 'crio', 'docker'] as const;
export type NodeRuntime = (typeof NODE_RUNTIMES)[number];

/** clusterIP | nodePort | ingress | an explicit http(s) URL. */
export type NodeMirrorAddress = 'clusterIP' | 'nodePort' | 'ingress' | (string & {});

export interface ProxyCacheProjectSpec {
  endpointRef: SecretRef;
  registry?: string;
  /**
   * The shared cache this project joins (a DNS label): projects of one namespace naming the same one are served by
   * one proxy Deployment, Service, volume and config (project/cache-groups.ts). Absent: an instance of its own.
   */
  sharedCache?: string;
  replicas?: number;
  /** A volume (size, storageClassName, accessMode) or object storage (s3): the CRD lets a project have one kind. */
  storage?: { size?: string; storageClassName?: string; accessMode?: 'ReadWriteOnce' | 'ReadWriteMany'; s3?: S3Storage };
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
  /** Rewrites pods' image references to this cache (operator/src/webhook/), for nodes the node mirror cannot reach. */
  podImageRewrite?: PodImageRewrite;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  /** The proxy's `log.access` (observe/access-log.ts in the proxy). */
  log?: { access?: boolean };
  image?: string;
}

/** spec.storage.s3: the store in an S3-compatible bucket (the proxy's storage.s3), shared by every replica. */
export interface S3Storage {
  /** Omitted: AWS for the region. */
  endpoint?: string;
  bucket: string;
  region?: string;
  prefix?: string;
  forcePathStyle?: boolean;
  /** Omitted: the SDK's default chain (IRSA's web identity, the instance role, the pod's environment). */
  credentialsSecretRef?: { name: string; accessKeyIdKey?: string; secretAccessKeyKey?: string };
  /** The CA bundle the endpoint's certificate is checked against: one of a Secret's or a ConfigMap's key. */
  ca?: { secretKeyRef?: SecretKeyRef; configMapKeyRef?: SecretKeyRef };
  /** Answer warm blob GETs with a redirect to a presigned URL of the bucket (the proxy's redirectToStorage). */
  redirect?: boolean;
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
    /** From the proxy's index (lasts across restarts): repositories cached, images kept after an upstream delete. */
    repositories?: number;
    keptAfterUpstreamDelete?: number;
    /** The largest repositories cached, largest first. */
    topRepositories?: { name: string; bytes: number; size: string }[];
    lastUpstreamError?: string;
    updateTime?: string;
  };
  nodes?: { configured?: number; total?: number; summary?: string };
  storage?: { size?: string; storageClassName?: string };
  /** What the pod image webhook did for this project, summed over every operator replica. */
  podImageRewrite?: PodImageRewriteStatus;
  conditions?: Condition[];
}

export interface ProxyCacheProject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaLite;
  spec: ProxyCacheProjectSpec;
  status?: ProxyCacheProjectStatus;
}

// --- podImageRewrite (issue 11): the admission webhook's per-project settings and what it reports. ---

/** metav1.LabelSelector, as the apiserver's admission webhooks take it. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

export const POD_IMAGE_REWRITE_MODES = ['Rewrite', 'Audit'] as const;
export type PodImageRewriteMode = (typeof POD_IMAGE_REWRITE_MODES)[number];

/** ingress | clusterIP | nodePort | an explicit host[:port] that node runtimes can reach and resolve. */
export type PodImageRewriteAddress = 'ingress' | 'clusterIP' | 'nodePort' | (string & {});

export interface PodImageRewrite {
  enabled?: boolean;
  /** Rewrite (default), or Audit: annotate what would be rewritten and change nothing. */
  mode?: PodImageRewriteMode;
  /** Pods in namespaces with these labels; default: the label berth.dev/pod-image-rewrite=enabled. */
  namespaceSelector?: LabelSelector;
  /** Pods with these labels; default: every pod but those labelled berth.dev/pod-image-rewrite=disabled. */
  objectSelector?: LabelSelector;
  /** Regular expressions on the normalized reference (quay.io/org/app:v1); none: every image of the registry. */
  match?: string[];
  /** Regular expressions on the normalized reference; a match keeps the image as it is. */
  exclude?: string[];
  /** Rewrite only when the cache answers for the manifest (HEAD through its Service). */
  checkUpstream?: { enabled?: boolean; platforms?: string[]; podPlatform?: boolean };
  /** Where pods pull from after the rewrite; default: ingress when spec.ingress.host is set, else clusterIP. */
  address?: PodImageRewriteAddress;
}

export interface PodImageRewriteStatus {
  /** The registry host images are rewritten to, e.g. cache.example.com or 10.96.0.12:5000. */
  address?: string;
  mode?: PodImageRewriteMode;
  /** Why the webhook does not rewrite for this project now (an invalid pattern, no address yet); absent when it does. */
  message?: string;
  rewritten?: number;
  audited?: number;
  skipped?: number;
  checkFailures?: number;
  lastCheckFailure?: { image: string; message: string; time: string };
  updateTime?: string;
}
