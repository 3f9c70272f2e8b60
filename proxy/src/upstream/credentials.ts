// Upstream credentials from mounted files. Read on use, so a rotated Secret is picked up without a restart;
// the values never leave this module except as an Authorization header.
import { readFile } from 'node:fs/promises';
import { dockerConfigCredentials, type BasicCredentials, type CredentialsConfig } from '@berth/contracts/proxy-config';

export type { BasicCredentials };

export type CredentialSource = () => Promise<BasicCredentials | undefined>;

export function credentialSource(config: CredentialsConfig | undefined, registry: string, upstreamHost: string): CredentialSource {
  if (!config) return async () => undefined;
  if ('usernameFile' in config) {
    return async () => ({
      username: (await readFile(config.usernameFile, 'utf8')).trim(),
      password: (await readFile(config.passwordFile, 'utf8')).trim(),
    });
  }
  return async () => dockerConfigCredentials(await readFile(config.dockerConfigJsonFile, 'utf8'), registry, upstreamHost);
}

export function basicHeader(creds: BasicCredentials): string {
  return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
}
