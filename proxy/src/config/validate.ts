// Checks an untrusted object (parsed YAML) against ProxyConfig. Every problem names its key path, unknown keys
// are errors (a typo must stop the start, not be ignored), and the result is a fresh object of known keys only.
import { ConfigError } from './errors.ts';
import { parseDuration } from './duration.ts';
import { parseQuantity } from './quantity.ts';
import { parseImageReference } from '../oci/reference.ts';
import type { AccessConfig, CredentialsConfig, LogLevel, ProjectConfig, ProxyConfig, ServingTlsConfig, UpstreamTimeoutsConfig } from './types.ts';

type Obj = Record<string, unknown>;

const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];
const PROJECT_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?$/;
const LISTEN = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):(\d{1,5})$/;

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function object(value: unknown, path: string, keys: readonly string[]): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(path, `must be a mapping, got ${show(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) {
      throw new ConfigError(join(path, key), `unknown key (allowed: ${keys.join(', ')})`);
    }
  }
  return value as Obj;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function string(obj: Obj, key: string, path: string): string {
  const value = obj[key];
  if (typeof value !== 'string' || value === '') throw new ConfigError(join(path, key), `must be a non-empty string, got ${show(value)}`);
  return value;
}

function optional<T>(obj: Obj, key: string, read: () => T): T | undefined {
  return obj[key] === undefined || obj[key] === null ? undefined : read();
}

function boolean(obj: Obj, key: string, path: string): boolean {
  const value = obj[key];
  if (typeof value !== 'boolean') throw new ConfigError(join(path, key), `must be true or false, got ${show(value)}`);
  return value;
}

function duration(obj: Obj, key: string, path: string): string {
  const value = typeof obj[key] === 'number' ? String(obj[key]) : obj[key];
  if (typeof value !== 'string' || parseDuration(value) === undefined) {
    throw new ConfigError(join(path, key), `${show(obj[key])} is not a duration (use e.g. 30s, 5m, 168h)`);
  }
  return value;
}

function quantity(obj: Obj, key: string, path: string): string {
  const value = typeof obj[key] === 'number' ? String(obj[key]) : obj[key];
  if (typeof value !== 'string' || parseQuantity(value) === undefined) {
    throw new ConfigError(join(path, key), `${show(obj[key])} is not a size (use e.g. 500Mi, 50Gi)`);
  }
  return value;
}

/**
 * A URL as an error may show it: whatever stands between `scheme://` and the last `@` (a user, a password) is cut,
 * also from text that is no URL at all (a password with a `/` in it) — a path with an `@` is cut too, which is fine.
 */
function redactUrl(value: string): string {
  return value.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/).*@/s, '$1***@');
}

/**
 * Reads a URL of one of `schemes`. A user or password written inside it is refused, as the CRDs refuse it:
 * credentials never go in a URL (it is logged, shown in errors and stats); `whereCredentialsGo` tells what to do
 * instead. No error message carries the user or password.
 */
function url(obj: Obj, key: string, path: string, schemes: readonly string[], whereCredentialsGo: string): string {
  const value = string(obj, key, path);
  const shown = show(redactUrl(value));
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(join(path, key), `${shown} is not a URL`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new ConfigError(join(path, key), `${shown} must not carry a user or password (credentials never go in a URL): ${whereCredentialsGo}`);
  }
  if (!schemes.includes(parsed.protocol)) {
    throw new ConfigError(join(path, key), `${shown} must use ${schemes.map((s) => s.replace(':', '')).join(' or ')}`);
  }
  return value.replace(/\/+$/, '');
}

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
  'notFoundTTL', 'keepAfterUpstreamDelete', 'retention', 'pinned', 'access',
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
  const storage = object(obj.storage, 'storage', ['directory']);
  const config: ProxyConfig = { listen, storage: { directory: string(storage, 'directory', 'storage') }, projects: [] };
  const index = optional(obj, 'index', () => object(obj.index, 'index', ['redis']));
  if (index) config.index = { redis: url(index, 'redis', 'index', ['redis:', 'rediss:'], REDIS_CREDENTIALS) };
  const log = optional(obj, 'log', () => object(obj.log, 'log', ['level']));
  if (log) {
    const level = optional(log, 'level', () => string(log, 'level', 'log'));
    if (level !== undefined) {
      if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new ConfigError('log.level', `${show(level)} must be one of ${LOG_LEVELS.join(', ')}`);
      config.log = { level: level as LogLevel };
    }
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
  if (config.projects.filter((p) => p.default).length > 1) throw new ConfigError('projects', 'at most one project may be default: true');
  const timeouts = optional(obj, 'upstreamTimeouts', () => upstreamTimeouts(obj.upstreamTimeouts));
  if (timeouts) config.upstreamTimeouts = timeouts;
  return config;
}
