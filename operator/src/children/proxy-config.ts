// The proxy's configuration for one project, in the proxy's own type (contract 2): the operator never writes a
// file the proxy would refuse, because it renders through the proxy's validator.
import { renderProxyConfig, type ProjectConfig, type ProxyConfig } from '@berth/contracts/proxy-config';
import { proxyProjectName, PROXY_PORT, PROXY_TLS_PORT } from './names.ts';
import { credentialsKind, MOUNTS, type ProjectInputs } from './inputs.ts';
import { defaultMaxSize } from './default-retention.ts';
import { s3Of, s3StorageConfig } from './s3-storage.ts';

export function desiredProxyConfig(inputs: ProjectInputs): ProxyConfig {
  const { project, endpoint, resolved } = inputs;
  const spec = project.spec;
  const entry: ProjectConfig = {
    name: proxyProjectName(project),
    registry: spec.registry ?? resolved.registry,
    upstream: resolved.url,
    default: true,
    libraryPrefix: resolved.libraryPrefix,
    keepAfterUpstreamDelete: spec.cache?.keepAfterUpstreamDelete ?? true,
  };
  if (inputs.credentials) {
    entry.credentials =
      credentialsKind(inputs.credentials) === 'dockerconfigjson'
        ? { dockerConfigJsonFile: `${MOUNTS.credentialsDir}/.dockerconfigjson` }
        : { usernameFile: `${MOUNTS.credentialsDir}/username`, passwordFile: `${MOUNTS.credentialsDir}/password` };
  }
  const tls = endpoint.spec.tls;
  if (tls?.caSecretRef || tls?.insecureSkipVerify) {
    entry.tls = {};
    if (tls.caSecretRef) entry.tls.caFile = `${MOUNTS.caDir}/ca.crt`;
    if (tls.insecureSkipVerify) entry.tls.insecureSkipVerify = true;
  }
  if (endpoint.spec.httpProxy) {
    entry.httpProxy = { url: endpoint.spec.httpProxy.url };
    if (endpoint.spec.httpProxy.noProxy?.length) entry.httpProxy.noProxy = [...endpoint.spec.httpProxy.noProxy];
  }
  if (spec.cache?.tagTTL) entry.tagTTL = spec.cache.tagTTL;
  const retention = spec.cache?.retention;
  const s3 = s3Of(project);
  // A bucket has no size to take a share of: its cap is the one the project sets, if any.
  const maxSize = retention?.maxSize ?? (s3 ? undefined : defaultMaxSize(spec.storage?.size));
  if (maxSize || retention?.unusedFor) entry.retention = { ...(retention?.unusedFor ? { unusedFor: retention.unusedFor } : {}), ...(maxSize ? { maxSize } : {}) };
  if (spec.cache?.pinned?.length) entry.pinned = [...spec.cache.pinned];
  if (s3?.redirect) entry.redirectToStorage = true;
  entry.access = spec.access?.htpasswdSecretRef && spec.access.anonymous !== true
    ? { htpasswdFile: `${MOUNTS.accessDir}/htpasswd` }
    : { anonymous: true };
  const config: ProxyConfig = {
    listen: `0.0.0.0:${PROXY_PORT}`,
    // With a bucket, the directory is the pod's emptyDir: downloads in progress, and the index without Redis.
    storage: s3 ? { directory: MOUNTS.storageDir, s3: s3StorageConfig(s3) } : { directory: MOUNTS.storageDir },
    log: { level: 'info', ...(spec.log?.access ? { access: true } : {}) },
    projects: [entry],
  };
  // The files the kubelet keeps in step with the Secret; the proxy follows them (no rollout on renewal).
  if (spec.tls) config.tls = { listen: `0.0.0.0:${PROXY_TLS_PORT}`, certFile: `${MOUNTS.tlsDir}/tls.crt`, keyFile: `${MOUNTS.tlsDir}/tls.key` };
  // Replicas share one volume, so they must share one index too; the CRD refuses replicas > 1 without it.
  if (spec.index?.redis?.url) config.index = { redis: spec.index.redis.url };
  return config;
}

/** The config file text; throws the proxy's ConfigError (naming the key) when the project asks for something invalid. */
export function renderedProxyConfig(inputs: ProjectInputs): string {
  return renderProxyConfig(desiredProxyConfig(inputs));
}
