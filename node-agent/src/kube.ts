// The agent's only API calls: read its own Node (labels for nodeSelectors, the runtime and its version) and
// server-side apply its report ConfigMap. Plain undici against the API server keeps the proxy image free of a
// Kubernetes client library; auth is the pod's service account token, or a kubeconfig for runs outside a pod.
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'undici';
import { parse } from 'yaml';

export interface KubeTarget {
  server: string;
  dispatcher: Agent;
  headers: Record<string, string>;
  namespace?: string;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export async function inClusterTarget(): Promise<KubeTarget> {
  const hostEnv = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!hostEnv) throw new Error('not in a pod (KUBERNETES_SERVICE_HOST unset): pass --report-kubeconfig');
  const [token, ca, namespace] = await Promise.all(
    ['token', 'ca.crt', 'namespace'].map((f) => readFile(`${SA_DIR}/${f}`, 'utf8')),
  );
  const h = hostEnv.includes(':') ? `[${hostEnv}]` : hostEnv;
  return {
    server: `https://${h}:${port}`,
    dispatcher: new Agent({ connect: { ca } }),
    headers: { authorization: `Bearer ${(token as string).trim()}` },
    namespace: (namespace as string).trim(),
  };
}

interface Named<T> {
  name: string;
  [k: string]: unknown;
  value?: T;
}

/** The current context of a kubeconfig: server, CA, and a client certificate or a token. */
export async function kubeconfigTarget(path: string): Promise<KubeTarget> {
  const kc = parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  const pick = (list: string, name: unknown, field: string): Record<string, unknown> => {
    const item = ((kc[list] as Named<unknown>[] | undefined) ?? []).find((x) => x.name === name);
    if (!item) throw new Error(`${path}: no ${list} entry named ${String(name)}`);
    return (item[field] ?? {}) as Record<string, unknown>;
  };
  const context = pick('contexts', kc['current-context'], 'context');
  const cluster = pick('clusters', context.cluster, 'cluster');
  const user = pick('users', context.user, 'user');
  const data = async (inline: unknown, file: unknown): Promise<string | undefined> => {
    if (typeof inline === 'string') return Buffer.from(inline, 'base64').toString('utf8');
    if (typeof file === 'string') return readFile(file, 'utf8');
    return undefined;
  };
  const ca = await data(cluster['certificate-authority-data'], cluster['certificate-authority']);
  const cert = await data(user['client-certificate-data'], user['client-certificate']);
  const key = await data(user['client-key-data'], user['client-key']);
  const token = typeof user.token === 'string' ? user.token : typeof user.tokenFile === 'string' ? (await readFile(user.tokenFile, 'utf8')).trim() : undefined;
  return {
    server: String(cluster.server).replace(/\/$/, ''),
    dispatcher: new Agent({
      connect: {
        ...(ca ? { ca } : {}),
        ...(cert ? { cert } : {}),
        ...(key ? { key } : {}),
        rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
      },
    }),
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(typeof context.namespace === 'string' ? { namespace: context.namespace } : {}),
  };
}

async function call(k: KubeTarget, method: 'GET' | 'PATCH', path: string, body?: { type: string; text: string }): Promise<unknown> {
  const res = await request(k.server + path, {
    method,
    dispatcher: k.dispatcher,
    headers: { ...k.headers, accept: 'application/json', ...(body ? { 'content-type': body.type } : {}) },
    ...(body ? { body: body.text } : {}),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) {
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      // not a Status object: keep the start of the body
    }
    throw new Error(`${method} ${path}: ${res.statusCode} ${message}`);
  }
  return JSON.parse(text) as unknown;
}

export interface NodeFacts {
  labels: Record<string, string>;
  containerRuntimeVersion?: string;
}

export async function getNodeFacts(k: KubeTarget, name: string): Promise<NodeFacts> {
  const node = (await call(k, 'GET', `/api/v1/nodes/${encodeURIComponent(name)}`)) as {
    metadata?: { labels?: Record<string, string> };
    status?: { nodeInfo?: { containerRuntimeVersion?: string } };
  };
  const version = node.status?.nodeInfo?.containerRuntimeVersion;
  return { labels: node.metadata?.labels ?? {}, ...(version ? { containerRuntimeVersion: version } : {}) };
}

export async function applyConfigMap(k: KubeTarget, cm: Record<string, unknown>): Promise<void> {
  const meta = cm.metadata as { name: string; namespace: string };
  await call(
    k,
    'PATCH',
    `/api/v1/namespaces/${encodeURIComponent(meta.namespace)}/configmaps/${encodeURIComponent(meta.name)}?fieldManager=berth-node-agent&force=true`,
    { type: 'application/apply-patch+yaml', text: JSON.stringify(cm) },
  );
}
