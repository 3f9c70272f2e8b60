// The fake Nodes kwok keeps Ready. No taint (unlike kwok's examples), so ordinary Deployments and DaemonSets
// schedule onto them without tolerations, as they would on real workers.
import { kwokNodeAnnotation } from './components.ts';

export interface NodeCondition {
  type: string;
  status: string;
}

export interface NodeLike {
  metadata: { name: string };
  status?: { conditions?: NodeCondition[] };
}

export function fakeNodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `berth-worker-${i + 1}`);
}

export function fakeNode(name: string): object {
  const resources = { cpu: '16', memory: '64Gi', pods: '110', 'ephemeral-storage': '100Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [kwokNodeAnnotation.key]: kwokNodeAnnotation.value, 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/os': 'linux',
        'kubernetes.io/hostname': name,
        'node-role.kubernetes.io/worker': '',
        type: 'kwok',
      },
    },
    spec: {},
    status: {
      allocatable: resources,
      capacity: resources,
      phase: 'Running',
    },
  };
}

export function fakeNodeList(names: string[]): object {
  return { apiVersion: 'v1', kind: 'List', items: names.map(fakeNode) };
}

export function isNodeReady(node: NodeLike): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}
