// The Ingress, only when the project asks for one (spec.ingress.host).
import type { V1Ingress } from '@kubernetes/client-node';
import { childLabels, childName, PROXY_PORT } from './names.ts';
import { ownerReference } from './owner.ts';
import type { ProxyCacheProject } from '../api/index.ts';

export function desiredIngress(project: ProxyCacheProject): V1Ingress | undefined {
  const ingress = project.spec.ingress;
  if (!ingress?.host) return undefined;
  const name = childName(project);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name,
      namespace: project.metadata.namespace,
      labels: childLabels(project),
      ownerReferences: [ownerReference(project)],
      // Image layers are large: ingress-nginx's 1m default body limit and 60s timeouts would break pulls.
      annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '0', 'nginx.ingress.kubernetes.io/proxy-read-timeout': '600' },
    },
    spec: {
      ...(ingress.className ? { ingressClassName: ingress.className } : {}),
      ...(ingress.tls ? { tls: [{ hosts: [ingress.host], secretName: ingress.tls.secretName }] } : {}),
      rules: [
        {
          host: ingress.host,
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { number: PROXY_PORT } } } }] },
        },
      ],
    },
  };
}
