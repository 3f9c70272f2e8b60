// Readers of one key of an untrusted config object: each checks the value's type and throws ConfigError naming
// the key path. validate.ts and storage.ts build the config from these.
import { ConfigError } from './errors.ts';
import { parseDuration } from '../duration.ts';
import { parseQuantity } from './quantity.ts';

export type Obj = Record<string, unknown>;

export function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

export function object(value: unknown, path: string, keys: readonly string[]): Obj {
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

export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

export function string(obj: Obj, key: string, path: string): string {
  const value = obj[key];
  if (typeof value !== 'string' || value === '') throw new ConfigError(join(path, key), `must be a non-empty string, got ${show(value)}`);
  return value;
}

export function optional<T>(obj: Obj, key: string, read: () => T): T | undefined {
  return obj[key] === undefined || obj[key] === null ? undefined : read();
}

export function boolean(obj: Obj, key: string, path: string): boolean {
  const value = obj[key];
  if (typeof value !== 'boolean') throw new ConfigError(join(path, key), `must be true or false, got ${show(value)}`);
  return value;
}

export function duration(obj: Obj, key: string, path: string): string {
  const value = typeof obj[key] === 'number' ? String(obj[key]) : obj[key];
  if (typeof value !== 'string' || parseDuration(value) === undefined) {
    throw new ConfigError(join(path, key), `${show(obj[key])} is not a duration (use e.g. 30s, 5m, 168h)`);
  }
  return value;
}

export function quantity(obj: Obj, key: string, path: string): string {
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
export function redactUrl(value: string): string {
  return value.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/).*@/s, '$1***@');
}

/**
 * Reads a URL of one of `schemes`. A user or password written inside it is refused, as the CRDs refuse it:
 * credentials never go in a URL (it is logged, shown in errors and stats); `whereCredentialsGo` tells what to do
 * instead. No error message carries the user or password.
 */
export function url(obj: Obj, key: string, path: string, schemes: readonly string[], whereCredentialsGo: string): string {
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
