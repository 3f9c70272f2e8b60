// @berth/contracts/proxy-config: the proxy config file, its type, validator and renderer (contract 2): the operator
// renders it, the proxy reads it, and both go through validateProxyConfig, so the operator cannot write a config the
// proxy refuses.
import { parse, stringify } from 'yaml';
import { ConfigError } from './errors.ts';
import { validateProxyConfig } from './validate.ts';
import type { ProxyConfig } from './types.ts';

export type { AccessConfig, CredentialsConfig, LogConfig, LogLevel, ProjectConfig, ProxyConfig, ServingTlsConfig } from './types.ts';
export type { S3StorageConfig, StorageConfig, UpstreamTimeoutsConfig } from './types.ts';
export { ConfigError } from './errors.ts';
export { validateProxyConfig } from './validate.ts';
export { DURATION_PATTERN, parseDuration } from '../duration.ts';
export { parseQuantity } from './quantity.ts';
export { dockerConfigCredentials, type BasicCredentials } from './dockerconfig.ts';

/** Parses and validates YAML text; throws ConfigError for bad YAML or bad values. */
export function parseProxyConfig(yamlText: string): ProxyConfig {
  let value: unknown;
  try {
    value = parse(yamlText);
  } catch (err) {
    throw new ConfigError('', `not valid YAML: ${(err as Error).message}`);
  }
  return validateProxyConfig(value);
}

/** YAML text for a config; `parseProxyConfig(renderProxyConfig(c))` gives back an equal config. */
export function renderProxyConfig(config: ProxyConfig): string {
  return stringify(validateProxyConfig(config), { lineWidth: 0 });
}
