// The address node runtimes use to reach a project's cache. Runtimes resolve names in the host's network
// namespace, where cluster DNS (*.svc) is usually unreachable: so a ClusterIP (default), a NodePort on the
// node's loopback, the ingress host, or an explicit URL.
import type { V1Service } from '@kubernetes/client-node';
import type { ProxyCacheProject } from '../api/index.ts';
import { PROXY_PORT } from '../children/names.ts';

export type AddressChoice = { url: string } | { pending: string; message: string };

export function nodeMirrorAddress(project: ProxyCacheProject, service: V1Service | undefined): AddressChoice {
  const address = project.spec.nodeMirror?.address ?? 'clusterIP';
  if (/^https?:\/\//.test(address)) {
    const url = new URL(address);
    if (/\.svc(\.|$)/.test(url.hostname) || url.hostname.endsWith('.cluster.local')) {
      return { pending: 'InvalidAddress', message: `nodeMirror.address ${url.host} is a cluster DNS name node runtimes cannot resolve: use clusterIP` };
    }
    return { url: `${url.protocol}//${url.host}` };
  }
  if (address === 'ingress') {
    const host = project.spec.ingress?.host;
    if (!host) return { pending: 'InvalidAddress', message: 'nodeMirror.address ingress needs spec.ingress.host' };
    return { url: `${project.spec.ingress?.tls ? 'https' : 'http'}://${host}` };
  }
  if (address === 'nodePort') {
    const nodePort = service?.spec?.ports?.[0]?.nodePort;
    if (!nodePort) return { pending: 'Pending', message: 'waiting for the Service to get a node port' };
    // kube-proxy answers a NodePort on every node, so each node's runtime can use its own loopback.
    return { url: `http://127.0.0.1:${nodePort}` };
  }
  const ip = service?.spec?.clusterIP;
  if (!ip || ip === 'None') return { pending: 'Pending', message: 'waiting for the Service to get a ClusterIP' };
  return { url: `http://${ip.includes(':') ? `[${ip}]` : ip}:${PROXY_PORT}` };
}
