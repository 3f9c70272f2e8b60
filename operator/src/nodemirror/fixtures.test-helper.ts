// Projects and nodes for the node mirror tests.
import type { V1Node } from '@kubernetes/client-node';
import type { ProxyCacheProject } from '../api/index.ts';

export function project(name: string, over: { registry?: string; created?: string; nodeSelector?: Record<string, string>; enabled?: boolean; address?: string; namespace?: string } = {}): ProxyCacheProject {
  return {
    metadata: { name, namespace: over.namespace ?? 'team-a', creationTimestamp: over.created ?? '2025-01-01T00:00:00Z' },
    spec: {
      endpointRef: { name: 'hub' },
      nodeMirror: {
        enabled: over.enabled ?? true,
        ...(over.nodeSelector ? { nodeSelector: over.nodeSelector } : {}),
        ...(over.address ? { address: over.address } : {}),
      },
    },
    status: { registry: over.registry ?? 'docker.io' },
  };
}

export function node(name: string, labels: Record<string, string> = {}): V1Node {
  return { metadata: { name, labels } };
}
