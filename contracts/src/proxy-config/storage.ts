// `storage`: a volume's directory, or S3-compatible object storage. No message carries a credential: the config
// names only the files that hold them, and an endpoint with a user or password in it is refused (and not shown).
import { ConfigError } from './errors.ts';
import { boolean, join, object, optional, quantity, show, string, url } from './fields.ts';
import type { S3StorageConfig, StorageConfig } from './types.ts';

/** S3's rule for bucket names (the DNS-safe one every S3-compatible server accepts). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z0-9][a-z0-9-]*[a-z0-9]$/;
/** Segments of plain characters separated by `/`, optionally ending with one. */
const PREFIX = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*\/?$/;
const S3_CREDENTIALS = 'remove them from the URL and give accessKeyIdFile and secretAccessKeyFile (files holding the keys)';
const S3_KEYS = ['endpoint', 'bucket', 'region', 'prefix', 'accessKeyIdFile', 'secretAccessKeyFile', 'forcePathStyle', 'caFile', 'localCopy'] as const;

export function storage(value: unknown): StorageConfig {
  const obj = object(value, 'storage', ['directory', 's3', 'memory']);
  const out: StorageConfig = {};
  const directory = optional(obj, 'directory', () => string(obj, 'directory', 'storage'));
  if (directory !== undefined) out.directory = directory;
  const s3 = optional(obj, 's3', () => s3Storage(obj.s3, 'storage.s3'));
  if (s3) out.s3 = s3;
  const memory = optional(obj, 'memory', () => quantity(obj, 'memory', 'storage'));
  if (memory !== undefined) out.memory = memory;
  if (!out.directory && !out.s3) throw new ConfigError('storage', 'give directory (a volume) or s3 (object storage)');
  return out;
}

function s3Storage(value: unknown, path: string): S3StorageConfig {
  const obj = object(value, path, S3_KEYS);
  const bucket = string(obj, 'bucket', path);
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    throw new ConfigError(join(path, 'bucket'), `${show(bucket)} is not a bucket name (3-63 lower-case letters, digits, dots and hyphens)`);
  }
  const out: S3StorageConfig = { bucket };
  const endpoint = optional(obj, 'endpoint', () => url(obj, 'endpoint', path, ['http:', 'https:'], S3_CREDENTIALS));
  if (endpoint !== undefined) out.endpoint = endpoint;
  const region = optional(obj, 'region', () => string(obj, 'region', path));
  if (region !== undefined) {
    if (!REGION.test(region)) throw new ConfigError(join(path, 'region'), `${show(region)} is not a region (e.g. us-east-1)`);
    out.region = region;
  }
  const prefix = optional(obj, 'prefix', () => string(obj, 'prefix', path));
  if (prefix !== undefined) {
    // `.` and `..` segments would be read differently by different servers (and by people looking at the bucket).
    if (!PREFIX.test(prefix) || prefix.split('/').some((s) => s === '.' || s === '..')) {
      throw new ConfigError(join(path, 'prefix'), `${show(prefix)} must be segments of letters, digits, '.', '_' and '-' separated by '/', e.g. berth/`);
    }
    out.prefix = prefix;
  }
  const keyId = optional(obj, 'accessKeyIdFile', () => string(obj, 'accessKeyIdFile', path));
  const secret = optional(obj, 'secretAccessKeyFile', () => string(obj, 'secretAccessKeyFile', path));
  if ((keyId === undefined) !== (secret === undefined)) {
    throw new ConfigError(path, 'give both accessKeyIdFile and secretAccessKeyFile, or neither (the SDK\'s default credentials)');
  }
  if (keyId !== undefined && secret !== undefined) {
    out.accessKeyIdFile = keyId;
    out.secretAccessKeyFile = secret;
  }
  const pathStyle = optional(obj, 'forcePathStyle', () => boolean(obj, 'forcePathStyle', path));
  if (pathStyle !== undefined) out.forcePathStyle = pathStyle;
  const caFile = optional(obj, 'caFile', () => string(obj, 'caFile', path));
  if (caFile !== undefined) {
    if (!out.endpoint?.startsWith('https:')) throw new ConfigError(join(path, 'caFile'), 'needs an https: endpoint (a CA checks a TLS certificate)');
    out.caFile = caFile;
  }
  const localCopy = optional(obj, 'localCopy', () => quantity(obj, 'localCopy', path));
  if (localCopy !== undefined) out.localCopy = localCopy;
  return out;
}
