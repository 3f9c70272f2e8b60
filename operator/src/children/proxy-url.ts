// Where the operator itself reaches a project's proxy (its stats, the pod image webhook's manifest checks): the
// Service's ClusterIP when it has one, as kube-proxy routes it without cluster DNS, which some clusters (and the
// local test bed) do not run; the DNS name otherwise; an override for an operator running outside the cluster.
import type { V1Service } from '@kubernetes/client-node';
import type { ProxyCacheProject } from '../api/index.ts';
import { childName, PROXY_PORT } from './names.ts';

export function operatorProxyUrl(project: ProxyCacheProject, service: V1Service | undefined, overrides?: ReadonlyMap<string, string>): string {
  const namespace = project.metadata.namespace ?? '';
  const override = overrides?.get(`${namespace}/${project.metadata.name}`);
  if (override) return override;
  const ip = service?.spec?.clusterIP;
  const host = ip && ip !== 'None' ? (ip.includes(':') ? `[${ip}]` : ip) : `${childName(project)}.${namespace}.svc`;
  return `http://${host}:${PROXY_PORT}`;
}
