// Checks an untrusted object (parsed YAML) against ProxyConfig. Every problem names its key path, unknown keys
// are errors (a typo must stop the start, not be ignored), and the result is a fresh object of known keys only.
import { ConfigError } from './errors.ts';
import { parseDuration } from '../duration.ts';
import { boolean, duration, join, object, optional, quantity, show, string, url, type Obj } from './fields.ts';
import { storage } from './storage.ts';
import { parseImageReference } from '../oci/reference.ts';
import type { AccessConfig, CredentialsConfig, LogLevel, ProjectConfig, ProxyConfig, ServingTlsConfig, UpstreamTimeoutsConfig } from './types.ts';

const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];
const PROJECT_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?$/;
const LISTEN = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):(\d{1,5})$/;

const UPSTREAM_CREDENTIALS = 'remove them from the URL and give credentials: { usernameFile, passwordFile } or { dockerConfigJsonFile } (in the CRD: credentialsSecretRef, a kubernetes.io/basic-auth or kubernetes.io/dockerconfigjson Secret)';
const PROXY_CREDENTIALS = 'Berth has no proxy credentials setting; use a proxy that needs none for the cache\'s address';
const REDIS_CREDENTIALS = 'Berth has no Redis password setting; use a Redis without auth behind a NetworkPolicy';

function stringList(obj: Obj, key: string, path: string): string[] {
  const value = obj[key];
  const at = join(path, key);
  if (!Array.isArray(value)) throw new ConfigError(at, `must be a list, got ${show(value)}`);
  return value.map((item, i) => {
    if (typeof item !== 'string' || item === '') throw new ConfigError(`${at}[${i}]`, `must be a non-empty string, got ${show(item)}`);
    return item;
  });
}

function credentials(value: unknown, path: string): CredentialsConfig {
  const obj = object(value, path, ['usernameFile', 'passwordFile', 'dockerConfigJsonFile']);
  if (obj.dockerConfigJsonFile !== undefined) {
    if (obj.usernameFile !== undefined || obj.passwordFile !== undefined) {
      throw new ConfigError(path, 'give either dockerConfigJsonFile or usernameFile and passwordFile, not both');
    }
    return { dockerConfigJsonFile: string(obj, 'dockerConfigJsonFile', path) };
  }
  return { usernameFile: string(obj, 'usernameFile', path), passwordFile: string(obj, 'passwordFile', path) };
}

function access(value: unknown, path: string): AccessConfig {
  const obj = object(value, path, ['anonymous', 'htpasswdFile']);
  if (obj.htpasswdFile !== undefined) {
    if (obj.anonymous === true) throw new ConfigError(path, 'give either anonymous: true or htpasswdFile, not both');
    return { htpasswdFile: string(obj, 'htpasswdFile', path) };
  }
  if (obj.anonymous !== true) throw new ConfigError(join(path, 'anonymous'), 'must be true, or give htpasswdFile');
  return { anonymous: true };
}

const PROJECT_KEYS = [
  'name', 'registry', 'upstream', 'default', 'libraryPrefix', 'credentials', 'tls', 'httpProxy', 'tagTTL',
  'notFoundTTL', 'keepAfterUpstreamDelete', 'retention', 'pinned', 'access', 'redirectToStorage',
] as const;

function project(value: unknown, path: string): ProjectConfig {
  const obj = object(value, path, PROJECT_KEYS);
  const name = string(obj, 'name', path);
  if (!PROJECT_NAME.test(name)) throw new ConfigError(join(path, 'name'), `${show(name)} must be lower-case letters, digits and -`);
  const registry = string(obj, 'registry', path);
  if (!HOST.test(registry)) throw new ConfigError(join(path, 'registry'), `${show(registry)} is not a registry host (e.g. docker.io, ghcr.io)`);
  const result: ProjectConfig = { name, registry, upstream: url(obj, 'upstream', path, ['http:', 'https:'], UPSTREAM_CREDENTIALS) };
  const isDefault = optional(obj, 'default', () => boolean(obj, 'default', path));
  if (isDefault !== undefined) result.default = isDefault;
  const libraryPrefix = optional(obj, 'libraryPrefix', () => boolean(obj, 'libraryPrefix', path));
  if (libraryPrefix !== undefined) result.libraryPrefix = libraryPrefix;
  const creds = optional(obj, 'credentials', () => credentials(obj.credentials, join(path, 'credentials')));
  if (creds) result.credentials = creds;
  const tls = optional(obj, 'tls', () => {
    const at = join(path, 'tls');
    const t = object(obj.tls, at, ['caFile', 'insecureSkipVerify']);
    const out: NonNullable<ProjectConfig['tls']> = {};
    const caFile = optional(t, 'caFile', () => string(t, 'caFile', at));
    if (caFile !== undefined) out.caFile = caFile;
    const insecure = optional(t, 'insecureSkipVerify', () => boolean(t, 'insecureSkipVerify', at));
    if (insecure !== undefined) out.insecureSkipVerify = insecure;
    return out;
  });
  if (tls) result.tls = tls;
  const httpProxy = optional(obj, 'httpProxy', () => {
    const at = join(path, 'httpProxy');
    const p = object(obj.httpProxy, at, ['url', 'noProxy']);
    const out: NonNullable<ProjectConfig['httpProxy']> = { url: url(p, 'url', at, ['http:', 'https:'], PROXY_CREDENTIALS) };
    const noProxy = optional(p, 'noProxy', () => stringList(p, 'noProxy', at));
    if (noProxy) out.noProxy = noProxy;
    return out;
  });
  if (httpProxy) result.httpProxy = httpProxy;
  const tagTTL = optional(obj, 'tagTTL', () => duration(obj, 'tagTTL', path));
  if (tagTTL !== undefined) result.tagTTL = tagTTL;
  const notFoundTTL = optional(obj, 'notFoundTTL', () => duration(obj, 'notFoundTTL', path));
  if (notFoundTTL !== undefined) result.notFoundTTL = notFoundTTL;
  const keep = optional(obj, 'keepAfterUpstreamDelete', () => boolean(obj, 'keepAfterUpstreamDelete', path));
  if (keep !== undefined) result.keepAfterUpstreamDelete = keep;
  const retention = optional(obj, 'retention', () => {
    const at = join(path, 'retention');
    const r = object(obj.retention, at, ['unusedFor', 'maxSize']);
    const out: NonNullable<ProjectConfig['retention']> = {};
    const unusedFor = optional(r, 'unusedFor', () => duration(r, 'unusedFor', at));
    if (unusedFor !== undefined) out.unusedFor = unusedFor;
    const maxSize = optional(r, 'maxSize', () => quantity(r, 'maxSize', at));
    if (maxSize !== undefined) out.maxSize = maxSize;
    return out;
  });
  if (retention) result.retention = retention;
  const pinned = optional(obj, 'pinned', () => stringList(obj, 'pinned', path).map((ref, i) => {
    const parsed = parseImageReference(ref);
    if ('problem' in parsed) throw new ConfigError(`${join(path, 'pinned')}[${i}]`, `${show(ref)} is not an image reference: ${parsed.problem} (use e.g. library/nginx:1.27 or app@sha256:…)`);
    return ref;
  }));
  if (pinned) result.pinned = pinned;
  const acc = optional(obj, 'access', () => access(obj.access, join(path, 'access')));
  if (acc) result.access = acc;
  const redirect = optional(obj, 'redirectToStorage', () => boolean(obj, 'redirectToStorage', path));
  if (redirect !== undefined) result.redirectToStorage = redirect;
  return result;
}

/** A HOST:PORT to bind (a bare number is `:PORT`); `example` shows the expected form in the error. */
function listenAddress(obj: Obj, key: string, path: string, example: string): string {
  const value = typeof obj[key] === 'number' ? `:${obj[key]}` : string(obj, key, path);
  const port = LISTEN.exec(value)?.[2];
  if (port === undefined || Number(port) > 65535) throw new ConfigError(join(path, key), `${show(value)} must be HOST:PORT, e.g. ${example}`);
  return value;
}

const portOf = (listen: string): string => listen.slice(listen.lastIndexOf(':') + 1);

function servingTls(value: unknown, plainListen: string): ServingTlsConfig {
  const t = object(value, 'tls', ['listen', 'certFile', 'keyFile']);
  const listen = listenAddress(t, 'listen', 'tls', '0.0.0.0:5443');
  // One port cannot speak both; port 0 (any free port) is the exception.
  if (portOf(listen) === portOf(plainListen) && portOf(listen) !== '0') {
    throw new ConfigError('tls.listen', `${show(listen)} uses the port of listen (${show(plainListen)}): HTTPS needs a port of its own, e.g. 0.0.0.0:5443`);
  }
  return { listen, certFile: string(t, 'certFile', 'tls'), keyFile: string(t, 'keyFile', 'tls') };
}

const TIMEOUT_KEYS = ['connect', 'headers', 'body', 'deadline'] as const;

/** `upstreamTimeouts`: durations above zero (a zero would mean "wait for ever" to the HTTP client). */
function upstreamTimeouts(value: unknown): UpstreamTimeoutsConfig {
  const at = 'upstreamTimeouts';
  const t = object(value, at, TIMEOUT_KEYS);
  const out: UpstreamTimeoutsConfig = {};
  for (const key of TIMEOUT_KEYS) {
    const d = optional(t, key, () => duration(t, key, at));
    if (d === undefined) continue;
    if (parseDuration(d) === 0) throw new ConfigError(join(at, key), `must be above zero, got ${show(t[key])}`);
    out[key] = d;
  }
  return out;
}

/** Checks a parsed config; throws ConfigError naming the first bad key. */
export function validateProxyConfig(value: unknown): ProxyConfig {
  const obj = object(value, '', ['listen', 'storage', 'index', 'log', 'tls', 'projects', 'upstreamTimeouts']);
  const listen = listenAddress(obj, 'listen', '', '0.0.0.0:5000');
  const config: ProxyConfig = { listen, storage: storage(obj.storage), projects: [] };
  const index = optional(obj, 'index', () => object(obj.index, 'index', ['redis']));
  if (index) config.index = { redis: url(index, 'redis', 'index', ['redis:', 'rediss:'], REDIS_CREDENTIALS) };
  const log = optional(obj, 'log', () => object(obj.log, 'log', ['level', 'access']));
  if (log) {
    const level = optional(log, 'level', () => string(log, 'level', 'log'));
    if (level !== undefined) {
      if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new ConfigError('log.level', `${show(level)} must be one of ${LOG_LEVELS.join(', ')}`);
      config.log = { level: level as LogLevel };
    }
    const access = optional(log, 'access', () => boolean(log, 'access', 'log'));
    if (access !== undefined) config.log = { ...config.log, access };
  }
  const tls = optional(obj, 'tls', () => servingTls(obj.tls, listen));
  if (tls) config.tls = tls;
  if (!Array.isArray(obj.projects) || obj.projects.length === 0) throw new ConfigError('projects', 'must be a list of at least one project');
  config.projects = obj.projects.map((p, i) => project(p, `projects[${i}]`));
  const seen = new Map<string, string>();
  config.projects.forEach((p, i) => {
    for (const [kind, key] of [['name', p.name], ['registry', p.registry]] as const) {
      const other = seen.get(`${kind}:${key}`);
      if (other) throw new ConfigError(`projects[${i}].${kind}`, `${show(key)} is already used by ${other}`);
      seen.set(`${kind}:${key}`, `projects[${i}]`);
    }
  });
  config.projects.forEach((p, i) => {
    // A volume has no URL a client could be sent to: only object storage can answer a blob GET itself.
    if (p.redirectToStorage && !config.storage.s3) {
      throw new ConfigError(`projects[${i}].redirectToStorage`, 'needs storage.s3: only object storage can serve a blob to a client directly (a volume has no URL to redirect to)');
    }
  });
  if (config.projects.filter((p) => p.default).length > 1) throw new ConfigError('projects', 'at most one project may be default: true');
  const timeouts = optional(obj, 'upstreamTimeouts', () => upstreamTimeouts(obj.upstreamTimeouts));
  if (timeouts) config.upstreamTimeouts = timeouts;
  return config;
}
