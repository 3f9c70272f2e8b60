// The demo's pieces that are plain text: the upstream registry's config, the resources, the node agent's input.

/** A host that resolves nowhere: a pull of demo.berth.local/... can only succeed through the cache's mirror. */
export const DEMO_REGISTRY = 'demo.berth.local';
export const DEMO_IMAGE = `${DEMO_REGISTRY}/library/demo:v1`;

export function registryConfig(port: number, dataDir: string): string {
  return [
    'version: 0.1',
    'log: { level: warn }',
    `storage: { filesystem: { rootdirectory: ${JSON.stringify(dataDir)} } }`,
    `http: { addr: 127.0.0.1:${port} }`,
    '',
  ].join('\n');
}

/** storageClass: set on the local control plane, whose only volume is the static one `up` creates. */
export function demoResources(namespace: string, upstreamUrl: string, storageClass?: string): string {
  return `apiVersion: v1
kind: Namespace
metadata: { name: ${namespace} }
---
apiVersion: berth.dev/v1alpha1
kind: RegistryEndpoint
metadata: { name: demo, namespace: ${namespace} }
spec: { provider: oci, url: ${upstreamUrl} }
---
apiVersion: berth.dev/v1alpha1
kind: ProxyCacheProject
metadata: { name: demo, namespace: ${namespace} }
spec:
  endpointRef: { name: demo }
  registry: ${DEMO_REGISTRY}
  storage: { size: 1Gi${storageClass ? `, storageClassName: ${storageClass}` : ''} }
  cache: { tagTTL: 1m }
  access: { anonymous: true }
`;
}

/** containerd 1.x's config.toml as a node has it, with hosts.toml turned on (the node agent checks this). */
export const CONTAINERD_CONFIG = `version = 2
[plugins."io.containerd.grpc.v1.cri".registry]
  config_path = "/etc/containerd/certs.d"
`;

export function nodeAgentConfig(opts: { namespace: string; mirror: string; upstream: string }): string {
  return `registries:
  - registry: ${DEMO_REGISTRY}
    project: ${opts.namespace}/demo
    mirror: ${opts.mirror}
    pathPrefix: /v2/${DEMO_REGISTRY}
    upstream: ${opts.upstream}
    runtimes: [containerd]
`;
}
