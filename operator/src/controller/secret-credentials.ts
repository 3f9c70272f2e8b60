// Reads upstream credentials out of a referenced Secret, for the operator's own probe only. The values stay in
// memory for the request: they are never logged, put in status, events or messages.
import type { V1Secret } from '@kubernetes/client-node';
import { credentialsKind } from '../children/inputs.ts';

export interface BasicCredentials {
  username: string;
  password: string;
}

function value(secret: V1Secret, key: string): string | undefined {
  const encoded = secret.data?.[key];
  if (encoded !== undefined) return Buffer.from(encoded, 'base64').toString('utf8');
  return secret.stringData?.[key];
}

/** Docker config keys name a registry in several spellings: `https://index.docker.io/v1/`, `docker.io`, `host:port`. */
function hostOfKey(key: string): string {
  const host = key.replace(/^https?:\/\//, '').split('/')[0] ?? '';
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

/** The credentials for `registry` (or the upstream URL's host); undefined when the Secret has none for it. */
export function credentialsFromSecret(secret: V1Secret, registry: string, upstreamHost: string): BasicCredentials | undefined {
  if (credentialsKind(secret) === 'basic-auth') {
    const username = value(secret, 'username');
    const password = value(secret, 'password');
    return username !== undefined && password !== undefined ? { username, password } : undefined;
  }
  let config: { auths?: Record<string, { username?: string; password?: string; auth?: string }> };
  try {
    config = JSON.parse(value(secret, '.dockerconfigjson') ?? '{}');
  } catch {
    return undefined;
  }
  const entries = Object.entries(config.auths ?? {});
  const wanted = [registry, upstreamHost].map(hostOfKey);
  const match = entries.find(([key]) => wanted.includes(hostOfKey(key))) ?? (entries.length === 1 ? entries[0] : undefined);
  if (!match) return undefined;
  const entry = match[1];
  if (entry.username !== undefined && entry.password !== undefined) return { username: entry.username, password: entry.password };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return undefined;
}
