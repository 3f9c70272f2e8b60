// berth-operator's command line: parsed into one options object with defaults, testable without starting anything.
import { packageVersion } from '@berth/proxy/build-info';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';

export const USAGE = `usage: berth-operator [--kubeconfig FILE] [--namespace NS] [--operator-namespace NS]
  [--leader-elect=false] [--leader-election-namespace NS] [--leader-election-id NAME]
  [--leader-election-lease-seconds N] [--leader-election-renew-seconds N]
  [--health-addr HOST:PORT] [--proxy-image IMAGE] [--resync-seconds N] [--identity ID]
  [--proxy-url NAMESPACE/NAME=URL ...] [--node-mirror-namespace NS ...]
--node-mirror-namespace lets projects in NS mirror registries onto nodes, as the namespace label
berth.dev/node-mirror=allowed does; projects in other namespaces keep their cache but not node mirroring.
--proxy-url tells an operator running outside the cluster where a project's proxy answers (for its cache figures);
inside the cluster it uses the proxy's Service.
Runs in-cluster when no --kubeconfig is given and KUBERNETES_SERVICE_HOST is set; otherwise uses $KUBECONFIG or ~/.kube/config.`;

export interface OperatorOptions {
  kubeconfig?: string;
  watchNamespace?: string;
  operatorNamespace: string;
  leaderElect: boolean;
  leaseNamespace: string;
  leaseName: string;
  leaseSeconds: number;
  renewSeconds: number;
  healthHost: string;
  healthPort: number;
  proxyImage: string;
  resyncSeconds: number;
  identity: string;
  /** Proxy base URLs by `namespace/name` of their ProxyCacheProject, for an operator outside the cluster. */
  proxyUrls: Map<string, string>;
  /** Namespaces whose projects may mirror onto nodes without the berth.dev/node-mirror=allowed label. */
  nodeMirrorNamespaces: string[];
}

export class UsageError extends Error {
  override name = 'UsageError';
}

/** The operator's version (package.json), for the default proxy image tag and build_info. */
export const operatorVersion = (): string => packageVersion('@berth/operator', import.meta.url);

function positiveInt(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${flag} must be a positive whole number, got ${JSON.stringify(value)}`);
  return n;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): OperatorOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      options: {
        kubeconfig: { type: 'string' },
        namespace: { type: 'string' },
        'operator-namespace': { type: 'string' },
        'leader-elect': { type: 'string' },
        'leader-election-namespace': { type: 'string' },
        'leader-election-id': { type: 'string' },
        'leader-election-lease-seconds': { type: 'string' },
        'leader-election-renew-seconds': { type: 'string' },
        'health-addr': { type: 'string' },
        'proxy-image': { type: 'string' },
        'resync-seconds': { type: 'string' },
        identity: { type: 'string' },
        'proxy-url': { type: 'string', multiple: true },
        'node-mirror-namespace': { type: 'string', multiple: true },
        help: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) throw new UsageError('');
  const leaderElect = (v['leader-elect'] ?? 'true').toLowerCase();
  if (!['true', 'false'].includes(leaderElect)) throw new UsageError(`--leader-elect must be true or false, got ${JSON.stringify(v['leader-elect'])}`);
  const operatorNamespace = v['operator-namespace'] ?? env.POD_NAMESPACE ?? 'berth-system';
  const healthAddr = v['health-addr'] ?? '0.0.0.0:8080';
  const m = /^(.*):(\d{1,5})$/.exec(healthAddr);
  if (!m) throw new UsageError(`--health-addr must be HOST:PORT, got ${JSON.stringify(healthAddr)}`);
  const leaseSeconds = positiveInt(v['leader-election-lease-seconds'], 'leader-election-lease-seconds', 15);
  const renewSeconds = positiveInt(v['leader-election-renew-seconds'], 'leader-election-renew-seconds', 5);
  if (renewSeconds >= leaseSeconds) throw new UsageError('--leader-election-renew-seconds must be less than --leader-election-lease-seconds');
  return {
    ...(v.kubeconfig ? { kubeconfig: v.kubeconfig } : {}),
    ...(v.namespace ? { watchNamespace: v.namespace } : {}),
    operatorNamespace,
    leaderElect: leaderElect === 'true',
    leaseNamespace: v['leader-election-namespace'] ?? operatorNamespace,
    leaseName: v['leader-election-id'] ?? 'berth-operator',
    leaseSeconds,
    renewSeconds,
    healthHost: m[1] ?? '0.0.0.0',
    healthPort: Number(m[2]),
    proxyImage: v['proxy-image'] ?? `ghcr.io/berth-dev/berth-proxy:${operatorVersion()}`,
    resyncSeconds: positiveInt(v['resync-seconds'], 'resync-seconds', 300),
    identity: v.identity ?? `${env.POD_NAME ?? hostname()}_${process.pid}`,
    proxyUrls: new Map((v['proxy-url'] ?? []).map(proxyUrlEntry)),
    nodeMirrorNamespaces: (v['node-mirror-namespace'] ?? []).flatMap((s) => s.split(',')).map(namespaceName),
  };
}

function proxyUrlEntry(value: string): [string, string] {
  const m = /^([a-z0-9-]+\/[a-z0-9.-]+)=(https?:\/\/[^\s]+)$/.exec(value);
  if (!m) throw new UsageError(`--proxy-url must be NAMESPACE/NAME=http(s)://HOST:PORT, got ${JSON.stringify(value)}`);
  return [m[1] as string, (m[2] as string).replace(/\/+$/, '')];
}

function namespaceName(value: string): string {
  const name = value.trim();
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) throw new UsageError(`--node-mirror-namespace must name a namespace, got ${JSON.stringify(value)}`);
  return name;
}
