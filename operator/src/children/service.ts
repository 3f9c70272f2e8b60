// The Service in front of the proxy pods: ClusterIP, or NodePort when nodes reach the cache through a node port
// (node mirroring's or rewritten pod images' address nodePort); port 5000 (http) always, and 443 (https) when the
// project serves TLS.
import type { V1Service } from '@kubernetes/client-node';
import { childLabels, childName, PROXY_PORT, SERVICE_HTTPS_PORT, selectorLabels } from './names.ts';
import { ownerReference } from './owner.ts';
import type { ProxyCacheProject } from '../api/index.ts';

export function desiredService(project: ProxyCacheProject): V1Service {
  const rewrite = project.spec.podImageRewrite;
  const nodePort = (project.spec.nodeMirror?.enabled === true && project.spec.nodeMirror.address === 'nodePort') || (rewrite?.enabled === true && rewrite.address === 'nodePort');
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: childName(project), namespace: project.metadata.namespace, labels: childLabels(project), ownerReferences: [ownerReference(project)] },
    spec: {
      type: nodePort ? 'NodePort' : 'ClusterIP',
      selector: selectorLabels(project),
      // http stays first: the node mirror's nodePort address is the first port's.
      ports: [
        { name: 'http', port: PROXY_PORT, targetPort: 'http', protocol: 'TCP' },
        ...(project.spec.tls ? [{ name: 'https', port: SERVICE_HTTPS_PORT, targetPort: 'https', protocol: 'TCP' }] : []),
      ],
    },
  };
}
