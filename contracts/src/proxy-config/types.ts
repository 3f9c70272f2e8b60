// The proxy's configuration file, as the operator renders it and `berth-proxy serve --config` reads it.
// Durations and sizes stay strings here (`5m`, `50Gi`) so a rendered file reads like the one a person writes;
// `../duration.ts` and `quantity.ts` turn them into numbers where they are used.

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface LogConfig {
  /** Default `info`. */
  level?: LogLevel;
  /**
   * One line per request at info (method, path without its query, status, bytes, duration, project, cache outcome,
   * client address), never a header or credential; default off (a busy node pulls thousands of blobs a minute).
   */
  access?: boolean;
}

export interface ProxyConfig {
  /** HOST:PORT the HTTP server binds, e.g. `0.0.0.0:5000`. */
  listen: string;
  storage: StorageConfig;
  /** Optional shared index; default: an embedded index on the storage volume. */
  index?: { redis: string };
  log?: LogConfig;
  /** Optional: serve HTTPS as well, on its own port (the plain HTTP `listen` stays, for probes and in-cluster pulls). */
  tls?: ServingTlsConfig;
  projects: ProjectConfig[];
  /** How long the proxy waits on upstream registries (every project); defaults in upstream/timeouts.ts. */
  upstreamTimeouts?: UpstreamTimeoutsConfig;
}

/**
 * Where blobs and manifests are kept: a volume (`directory`), or S3-compatible object storage (`s3`). At least one;
 * with `s3`, `directory` is only the local working folder: downloads in progress (served from it to clients that
 * fall behind) and the embedded index when there is no `index.redis` (default: a folder under the system temp dir).
 */
export interface StorageConfig {
  directory?: string;
  s3?: S3StorageConfig;
  /**
   * Bytes of small blobs (up to 16 MiB each) also kept in memory, most recently pulled first, so a warm GET of them
   * reads no file (`32Mi` by default; `0` turns it off). Counts in the proxy's memory: size the pod's limit with it.
   */
  memory?: string;
}

/** S3-compatible object storage. Credentials come from files (a mounted Secret), never from the config itself. */
export interface S3StorageConfig {
  /** Base URL of the S3 API (`https://s3.eu-west-1.amazonaws.com`, `http://minio:9000`); default: AWS for `region`. */
  endpoint?: string;
  bucket: string;
  /** Default us-east-1. */
  region?: string;
  /** Key prefix of everything the proxy writes (`berth/`), so a bucket can be shared; default none. */
  prefix?: string;
  /** Both or neither; neither: the SDK's default chain (environment, web identity, instance role). */
  accessKeyIdFile?: string;
  secretAccessKeyFile?: string;
  /** `http://endpoint/bucket/key` instead of `http://bucket.endpoint/key`; most non-AWS servers need it. */
  forcePathStyle?: boolean;
  /** PEM CA bundle the endpoint's certificate is checked against (in addition to the system's). */
  caFile?: string;
  /**
   * Bytes of verified local copies of blobs kept in the local working folder (`directory`, the pod's emptyDir),
   * least recently used dropped first, so a blob pulled again is read from a local file instead of the bucket
   * (`1Gi` by default; `0` turns them off). Counts on the node's disk: leave room for it beside downloads.
   */
  localCopy?: string;
}

/** Durations (`5s`, `1m`), each above zero. */
export interface UpstreamTimeoutsConfig {
  /** Setting up a connection (TCP and TLS). */
  connect?: string;
  /** From a request sent to its response headers, per attempt. */
  headers?: string;
  /** The longest silence between two chunks of a body (not the whole download: a large layer streams for long). */
  body?: string;
  /**
   * Everything before the response headers of one upstream request: every attempt, redirect and backoff. The
   * longest a client waits for an error when the upstream does not answer.
   */
  deadline?: string;
}

/**
 * The HTTPS side of the proxy. The files are read at start and again whenever they change (a mounted Secret is
 * swapped atomically by the kubelet): a new valid pair replaces the old without a restart, a broken one is refused
 * and the old pair kept.
 */
export interface ServingTlsConfig {
  /** HOST:PORT the HTTPS server binds, e.g. `0.0.0.0:5443`; must differ from `listen`. */
  listen: string;
  /** PEM certificate chain, leaf first (a kubernetes.io/tls Secret's `tls.crt`). */
  certFile: string;
  /** PEM private key of the leaf (`tls.key`), unencrypted. */
  keyFile: string;
}

export type CredentialsConfig = { usernameFile: string; passwordFile: string } | { dockerConfigJsonFile: string };

export type AccessConfig = { anonymous: true } | { htpasswdFile: string };

export interface ProjectConfig {
  /** [a-z0-9-] */
  name: string;
  /** The registry host this project mirrors (`docker.io`); also its path prefix under /v2/. */
  registry: string;
  /** Base URL of the upstream registry (`https://registry-1.docker.io`). */
  upstream: string;
  default?: boolean;
  /** Official images get `library/` (nginx → library/nginx); default true when registry is docker.io. */
  libraryPrefix?: boolean;
  credentials?: CredentialsConfig;
  tls?: { caFile?: string; insecureSkipVerify?: boolean };
  httpProxy?: { url: string; noProxy?: string[] };
  /** How long a tag's digest is trusted before a HEAD upstream; default 5m. */
  tagTTL?: string;
  /**
   * How long an upstream 404 (a manifest, tag, blob or repository not there) is remembered and answered without
   * asking again, when nothing is stored; default 30s, 0 remembers nothing.
   */
  notFoundTTL?: string;
  /** Default true: an upstream 404 keeps serving what is cached. */
  keepAfterUpstreamDelete?: boolean;
  retention?: { unusedFor?: string; maxSize?: string };
  /** `repo:tag` or `repo@digest`, fetched at start and never evicted. */
  pinned?: string[];
  access?: AccessConfig;
  /**
   * Warm blob GETs are answered with a redirect (307) to a short-lived presigned URL of the object, so the bytes go
   * from object storage to the client, not through the proxy. Only with `storage.s3`. Default false.
   */
  redirectToStorage?: boolean;
}
