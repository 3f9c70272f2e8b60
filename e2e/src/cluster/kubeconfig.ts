// Kubeconfig files for the local control plane: one cluster, one user (a client certificate or a bearer token).
import { stringify } from 'yaml';

export type KubeconfigUser = { clientCertificate: string; clientKey: string } | { token: string };

export interface KubeconfigSpec {
  server: string;
  caFile: string;
  user: KubeconfigUser;
  /** the user's name in the file; also names the context */
  userName: string;
  namespace?: string;
}

export function renderKubeconfig(spec: KubeconfigSpec): string {
  const user =
    'token' in spec.user
      ? { token: spec.user.token }
      : { 'client-certificate': spec.user.clientCertificate, 'client-key': spec.user.clientKey };
  const context: Record<string, string> = { cluster: 'berth-local', user: spec.userName };
  if (spec.namespace) context.namespace = spec.namespace;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'berth-local', cluster: { server: spec.server, 'certificate-authority': spec.caFile } }],
    users: [{ name: spec.userName, user }],
    contexts: [{ name: spec.userName, context }],
    'current-context': spec.userName,
  });
}
