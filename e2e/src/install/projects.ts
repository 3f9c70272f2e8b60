// A cache of one upstream on the real node: the RegistryEndpoint and ProxyCacheProject a user applies, and the
// volume its claim binds to. The local control plane has no volume provisioner, so each cache gets a static
// hostPath volume on the real node, made writable for the proxy's uid (hostPath volumes ignore fsGroup).
import { chown, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cluster } from '../cluster/index.ts';
import { TEST_STORAGE_CLASS } from '../chart/volumes.ts';

/** The proxy image's user (its Dockerfile's USER). */
const PROXY_UID = 65532;

export interface CacheProjectOptions {
  namespace: string;
  name: string;
  /** the registry nodes and pods name, e.g. docker.io */
  registry: string;
  upstreamUrl: string;
  /** node mirroring only on these nodes (the real node's labels) */
  nodeSelector?: Record<string, string>;
  /** false: no node mirroring (a cache pods reach by their rewritten image names only); default true */
  nodeMirror?: boolean;
  /** spec.podImageRewrite */
  podImageRewrite?: Record<string, unknown>;
}

export function cacheProject(opts: CacheProjectOptions): string {
  const endpoint = { apiVersion: 'berth.dev/v1alpha1', kind: 'RegistryEndpoint', metadata: { name: opts.name, namespace: opts.namespace }, spec: { provider: 'oci', url: opts.upstreamUrl } };
  const project = {
    apiVersion: 'berth.dev/v1alpha1',
    kind: 'ProxyCacheProject',
    metadata: { name: opts.name, namespace: opts.namespace },
    spec: {
      endpointRef: { name: opts.name },
      registry: opts.registry,
      storage: { size: '2Gi', storageClassName: TEST_STORAGE_CLASS },
      cache: { keepAfterUpstreamDelete: true },
      access: { anonymous: true },
      // containerd only: the bed's host also has /etc/containers/registries.conf (buildah, skopeo), which the agent
      // would take for CRI-O's and give a drop-in that changes how this machine's own tools pull
      nodeMirror: { enabled: opts.nodeMirror ?? true, runtimes: ['containerd'], ...(opts.nodeSelector ? { nodeSelector: opts.nodeSelector } : {}) },
      ...(opts.podImageRewrite ? { podImageRewrite: opts.podImageRewrite } : {}),
    },
  };
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [endpoint, project] });
}

/** The namespace label with which a cluster admin lets a namespace's projects mirror registries onto nodes
 *  (operator/src/nodemirror/tenancy.ts; docs/operations.md, Node mirroring). */
export const NODE_MIRROR_ALLOWED_LABEL = 'berth.dev/node-mirror=allowed';

/** Lets the projects of `namespace` (which must exist) mirror onto nodes, as a cluster admin does. */
export async function allowNodeMirror(cluster: Cluster, namespace: string): Promise<void> {
  await cluster.kubectl(['label', 'namespace', namespace, NODE_MIRROR_ALLOWED_LABEL, '--overwrite']);
}

/** A hostPath PersistentVolume on the real node, bound ahead to the claim the operator makes for `project`. */
export async function cacheVolume(cluster: Cluster, opts: { namespace: string; project: string; size: string }): Promise<string> {
  const name = `${opts.namespace}-${opts.project}`;
  const dir = join(cluster.realNode.volumesDir, name);
  // a new volume is empty: a cache left by an earlier run would answer for another upstream's tags
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await chown(dir, PROXY_UID, PROXY_UID);
  const pv = {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, labels: { 'berth.dev/static-volume': 'true' } },
    spec: {
      capacity: { storage: opts.size },
      accessModes: ['ReadWriteOnce'],
      storageClassName: TEST_STORAGE_CLASS,
      persistentVolumeReclaimPolicy: 'Retain',
      claimRef: { namespace: opts.namespace, name: `berth-${opts.project}` },
      hostPath: { path: dir, type: 'Directory' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [cluster.realNode.name] }] }] } },
    },
  };
  await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(pv) });
  return name;
}
