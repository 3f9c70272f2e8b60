// Upstream credentials from mounted files. Read on use, so a rotated Secret is picked up without a restart;
// the values never leave this module except as an Authorization header.
import { readFile } from 'node:fs/promises';
import type { CredentialsConfig } from '../config/index.ts';

export interface BasicCredentials {
  username: string;
  password: string;
}

export type CredentialSource = () => Promise<BasicCredentials | undefined>;

/** Docker Hub's config key is the v1 index URL, not docker.io. */
function configKeys(registry: string, upstreamHost: string): string[] {
  const keys = [registry, upstreamHost, `https://${registry}`, `https://${upstreamHost}`];
  if (registry === 'docker.io') keys.push('https://index.docker.io/v1/', 'index.docker.io', 'registry-1.docker.io');
  return keys;
}

export function credentialSource(config: CredentialsConfig | undefined, registry: string, upstreamHost: string): CredentialSource {
  if (!config) return async () => undefined;
  if ('usernameFile' in config) {
    return async () => ({
      username: (await readFile(config.usernameFile, 'utf8')).trim(),
      password: (await readFile(config.passwordFile, 'utf8')).trim(),
    });
  }
  return async () => {
    const doc = JSON.parse(await readFile(config.dockerConfigJsonFile, 'utf8')) as {
      auths?: Record<string, { auth?: string; username?: string; password?: string }>;
    };
    const auths = doc.auths ?? {};
    for (const key of configKeys(registry, upstreamHost)) {
      const entry = auths[key] ?? auths[key.replace(/\/$/, '')];
      if (!entry) continue;
      if (entry.username !== undefined && entry.password !== undefined) return { username: entry.username, password: entry.password };
      if (entry.auth) {
        const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
      }
    }
    return undefined;
  };
}

export function basicHeader(creds: BasicCredentials): string {
  return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
}
