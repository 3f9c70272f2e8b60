// berth-operator's command line: parsed into one options object with defaults, testable without starting anything.
import { packageVersion } from '@berth/contracts/build-info';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { imagePullSecretName, parsePodSettings, PodSettingsError, type PodSettings } from './children/pod-settings.ts';

export const USAGE = `usage: berth-operator [--help] [--version] [--kubeconfig FILE] [--namespace NS] [--operator-namespace NS]
  [--leader-elect=false] [--leader-election-namespace NS] [--leader-election-id NAME]
  [--leader-election-lease-seconds N] [--leader-election-renew-seconds N]
  [--health-addr HOST:PORT] [--proxy-image IMAGE] [--resync-seconds N] [--identity ID]
  [--proxy-url NAMESPACE/NAME=URL ...] [--node-mirror-namespace NS ...]
  [--webhook-addr HOST:PORT|off] [--webhook-service NAME] [--webhook-secret NAME] [--webhook-config NAME]
  [--webhook-cert-name NAME|IP ...] [--webhook-certificates operator|external]
  [--image-pull-secret NAME ...] [--proxy-pod JSON] [--node-agent-pod JSON]
--node-mirror-namespace lets projects in NS mirror registries onto nodes, as the namespace label
berth.dev/node-mirror=allowed does; projects in other namespaces keep their cache but not node mirroring.
--proxy-url tells an operator running outside the cluster where a project's proxy answers (for its cache figures);
inside the cluster it uses the proxy's Service.
--webhook-addr is where every replica serves the pod image webhook over HTTPS (off: not at all). Its certificate,
shared by all replicas through the Secret --webhook-secret in the operator's namespace, is made and rotated by the
operator, which writes its CA into the MutatingWebhookConfiguration --webhook-config; with
--webhook-certificates=external (cert-manager) it only loads the Secret.
--image-pull-secret names a Secret every proxy and node agent pod pulls its image with (it must exist in each
project's namespace and in the operator's). --proxy-pod and --node-agent-pod set those pods' resources,
nodeSelector, tolerations, affinity, podAnnotations and priorityClassName, as a JSON object (the chart's proxy.* and
nodeAgent.* values); a project's spec.resources wins over --proxy-pod's. --node-agent-pod also takes extraHostPaths,
host folders the agent reads (mounted read-only).
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
  /** The pod image webhook; undefined with --webhook-addr=off. */
  webhook?: WebhookOptions;
  /** Every cache's proxy pods: pull secrets, scheduling, resources (under the project's), annotations, priority. */
  proxyPod: PodSettings;
  /** The node agent's pods, likewise. */
  nodeAgentPod: PodSettings;
}

export interface WebhookOptions {
  host: string;
  port: number;
  serviceName: string;
  secretName: string;
  /** undefined: the operator does not write the caBundle (--webhook-config=''). */
  configName?: string;
  extraNames: string[];
  externalCertificates: boolean;
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
        'webhook-addr': { type: 'string' },
        'webhook-service': { type: 'string' },
        'webhook-secret': { type: 'string' },
        'webhook-config': { type: 'string' },
        'webhook-cert-name': { type: 'string', multiple: true },
        'webhook-certificates': { type: 'string' },
        'image-pull-secret': { type: 'string', multiple: true },
        'proxy-pod': { type: 'string' },
        'node-agent-pod': { type: 'string' },
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
  const webhook = webhookOptions(v);
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
    ...(webhook ? { webhook } : {}),
    ...podOptions(v),
  };
}

function podOptions(v: Record<string, string | string[] | boolean | undefined>): Pick<OperatorOptions, 'proxyPod' | 'nodeAgentPod'> {
  try {
    const secrets = ((v['image-pull-secret'] as string[] | undefined) ?? []).flatMap((s) => s.split(',')).filter((s) => s.trim()).map(imagePullSecretName);
    const withSecrets = (settings: PodSettings): PodSettings => (secrets.length ? { ...settings, imagePullSecrets: secrets } : settings);
    return {
      proxyPod: withSecrets(parsePodSettings((v['proxy-pod'] as string | undefined) ?? '', 'proxy-pod')),
      nodeAgentPod: withSecrets(parsePodSettings((v['node-agent-pod'] as string | undefined) ?? '', 'node-agent-pod', { hostPaths: true })),
    };
  } catch (error) {
    if (error instanceof PodSettingsError) throw new UsageError(error.message);
    throw error;
  }
}

function webhookOptions(v: Record<string, string | string[] | boolean | undefined>): WebhookOptions | undefined {
  const addr = (v['webhook-addr'] as string | undefined) ?? '0.0.0.0:9443';
  if (addr === 'off') return undefined;
  const m = /^(.*):(\d{1,5})$/.exec(addr);
  if (!m) throw new UsageError(`--webhook-addr must be HOST:PORT or off, got ${JSON.stringify(addr)}`);
  const certificates = (v['webhook-certificates'] as string | undefined) ?? 'operator';
  if (!['operator', 'external'].includes(certificates)) throw new UsageError(`--webhook-certificates must be operator or external, got ${JSON.stringify(certificates)}`);
  const dnsName = (flag: string, value: string): string => {
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value)) throw new UsageError(`--${flag} must be a DNS label (lower-case letters, digits, '-'), got ${JSON.stringify(value)}`);
    return value;
  };
  const config = (v['webhook-config'] as string | undefined) ?? 'berth-pod-image-rewrite';
  return {
    host: m[1] ?? '0.0.0.0',
    port: Number(m[2]),
    serviceName: dnsName('webhook-service', (v['webhook-service'] as string | undefined) ?? 'berth-webhook'),
    secretName: dnsName('webhook-secret', (v['webhook-secret'] as string | undefined) ?? 'berth-webhook-tls'),
    ...(config === '' ? {} : { configName: dnsName('webhook-config', config) }),
    extraNames: ((v['webhook-cert-name'] as string[] | undefined) ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean),
    externalCertificates: certificates === 'external',
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
