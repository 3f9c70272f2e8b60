// A project as the running proxy uses it: the config entry with its defaults applied and its durations in ms.
import { parseDuration, parseQuantity, type ProjectConfig, type ProxyConfig } from '@berth/contracts/proxy-config';

export interface Project {
  name: string;
  registry: string;
  upstream: string;
  isDefault: boolean;
  libraryPrefix: boolean;
  tagTtlMs: number;
  /** How long an upstream 404 is remembered; 0: not at all. */
  notFoundTtlMs: number;
  keepAfterUpstreamDelete: boolean;
  unusedForMs: number | undefined;
  maxSizeBytes: number | undefined;
  pinned: string[];
  /** Warm blob GETs are answered with a redirect to a presigned URL of the object (storage.s3 only). */
  redirectToStorage: boolean;
  config: ProjectConfig;
}

const DEFAULT_TAG_TTL_MS = 5 * 60_000;
const DEFAULT_NOT_FOUND_TTL_MS = 30_000;

export function resolveProjects(config: ProxyConfig): Project[] {
  const explicitDefault = config.projects.some((p) => p.default);
  return config.projects.map((p, i) => ({
    name: p.name,
    registry: p.registry,
    upstream: p.upstream,
    isDefault: explicitDefault ? p.default === true : i === 0,
    libraryPrefix: p.libraryPrefix ?? p.registry === 'docker.io',
    tagTtlMs: p.tagTTL === undefined ? DEFAULT_TAG_TTL_MS : parseDuration(p.tagTTL)!,
    notFoundTtlMs: p.notFoundTTL === undefined ? DEFAULT_NOT_FOUND_TTL_MS : parseDuration(p.notFoundTTL)!,
    keepAfterUpstreamDelete: p.keepAfterUpstreamDelete ?? true,
    unusedForMs: p.retention?.unusedFor === undefined ? undefined : parseDuration(p.retention.unusedFor),
    maxSizeBytes: p.retention?.maxSize === undefined ? undefined : parseQuantity(p.retention.maxSize),
    pinned: p.pinned ?? [],
    redirectToStorage: p.redirectToStorage ?? false,
    config: p,
  }));
}
