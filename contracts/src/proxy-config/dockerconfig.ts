// Credentials out of a `.dockerconfigjson` document, for one registry. Shared by the proxy (a mounted Secret file)
// and the operator (its endpoint probe), so that both pick the same entry: a probe that says Ready must mean the
// proxy authenticates with the same credentials.
export interface BasicCredentials {
  username: string;
  password: string;
}

interface DockerConfig {
  auths?: Record<string, { username?: string; password?: string; auth?: string }>;
}

/** Docker config keys name a registry in several spellings: `https://index.docker.io/v1/`, `docker.io`, `host:port`. */
function hostOfKey(key: string): string {
  const host = key.replace(/^https?:\/\//, '').split('/')[0] ?? '';
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

/**
 * The credentials for `registry` or the upstream's host; the only entry when none matches by name (the Secret is
 * referenced by this one upstream); undefined when there are none, or the text is not JSON.
 */
export function dockerConfigCredentials(json: string, registry: string, upstreamHost: string): BasicCredentials | undefined {
  let config: DockerConfig;
  try {
    config = JSON.parse(json) as DockerConfig;
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
