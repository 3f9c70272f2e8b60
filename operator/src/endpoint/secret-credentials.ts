// Reads upstream credentials out of a referenced Secret, for the operator's own probe only. The values stay in
// memory for the request: they are never logged, put in status, events or messages.
import type { V1Secret } from '@kubernetes/client-node';
import { dockerConfigCredentials, type BasicCredentials } from '@berth/contracts/proxy-config';
import { credentialsKind } from '../children/inputs.ts';

export type { BasicCredentials };

function value(secret: V1Secret, key: string): string | undefined {
  const encoded = secret.data?.[key];
  if (encoded !== undefined) return Buffer.from(encoded, 'base64').toString('utf8');
  return secret.stringData?.[key];
}

/** The credentials for `registry` (or the upstream URL's host); undefined when the Secret has none for it. */
export function credentialsFromSecret(secret: V1Secret, registry: string, upstreamHost: string): BasicCredentials | undefined {
  if (credentialsKind(secret) === 'basic-auth') {
    const username = value(secret, 'username');
    const password = value(secret, 'password');
    return username !== undefined && password !== undefined ? { username, password } : undefined;
  }
  return dockerConfigCredentials(value(secret, '.dockerconfigjson') ?? '{}', registry, upstreamHost);
}
