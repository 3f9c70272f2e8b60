// The command lines of the control plane's processes, in start order. Pure: built from the layout, the binaries
// and the ports chosen at `up`, so the same flags serve `up`, `restartApiserver()` and the unit test.
import { join } from 'node:path';
import type { Binaries, ClusterLayout } from './layout.ts';
import { pkiFiles } from './pki.ts';
import { bridgeAddress } from './realnode.ts';

export interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
}

export const componentNames = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;
export type ComponentName = (typeof componentNames)[number];

export interface Component {
  name: ComponentName;
  command: string;
  args: string[];
  /** the loopback port whose listener shows the component is up */
  port: number;
}

export const serviceClusterIpRange = '10.96.0.0/16';
/** fake nodes carry this annotation; kwok manages only them */
export const kwokNodeAnnotation = { key: 'kwok.x-k8s.io/node', value: 'fake' } as const;

export function componentKubeconfig(layout: ClusterLayout, name: 'kube-controller-manager' | 'kube-scheduler' | 'kwok' | 'kubelet' | 'kube-proxy'): string {
  return join(layout.kubeconfigs, `${name}.kubeconfig`);
}

/** kwok's own config file: given explicitly so that a ~/.kwok/kwok.yaml on the machine never leaks in. */
export function kwokConfigFile(layout: ClusterLayout): string {
  return join(layout.run, 'kwok', 'kwok.yaml');
}

/** No stages configured: kwok's built-in ones (nodes Ready, scheduled pods Running) are what the tests need. */
export const kwokConfig = 'apiVersion: config.kwok.x-k8s.io/v1alpha1\nkind: KwokConfiguration\noptions: {}\n';

export function apiserverUrl(ports: Pick<Ports, 'apiserver'>): string {
  return `https://127.0.0.1:${ports.apiserver}`;
}

export interface ComponentOptions {
  /**
   * Pods reach the apiserver (the real node runs them): it listens on every address (the guard closes its port
   * to the uplink) and publishes the pod bridge's address as the `kubernetes` Service's endpoint, as a real control
   * plane publishes its node address. Without the real node it stays on loopback with no endpoint.
   */
  podReachable: boolean;
}

export function components(layout: ClusterLayout, bins: Binaries, ports: Ports, opts: ComponentOptions = { podReachable: false }): Component[] {
  const pki = pkiFiles(layout.pki);
  const apiserverCert = pki.cert('apiserver');
  // The secure-serving flags the controller-manager and the scheduler share: loopback, own scratch cert dir,
  // delegated authn/z against the apiserver with their own identity.
  const servingOf = (name: 'kube-controller-manager' | 'kube-scheduler', port: number): string[] => {
    const kubeconfig = componentKubeconfig(layout, name);
    return [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      `--cert-dir=${join(layout.run, name)}`,
      '--leader-elect=false',
    ];
  };
  return [
    {
      name: 'etcd',
      command: bins.etcd,
      args: [
        `--data-dir=${layout.etcdData}`,
        `--listen-client-url=http://127.0.0.1:${ports.etcdClient}`,
        `--listen-peer-url=http://127.0.0.1:${ports.etcdPeer}`,
        // throwaway data (`down` deletes it): skipping fsync keeps a loaded test machine's apiserver responsive
        '--unsafe-no-fsync',
      ],
      port: ports.etcdClient,
    },
    {
      name: 'kube-apiserver',
      command: bins.kubeApiserver,
      args: [
        `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
        ...(opts.podReachable ? ['--bind-address=0.0.0.0', `--advertise-address=${bridgeAddress}`] : ['--bind-address=127.0.0.1', '--advertise-address=127.0.0.1']),
        `--secure-port=${ports.apiserver}`,
        `--cert-dir=${join(layout.run, 'kube-apiserver')}`,
        `--tls-cert-file=${apiserverCert.cert}`,
        `--tls-private-key-file=${apiserverCert.key}`,
        `--client-ca-file=${pki.caCert}`,
        // Node: kubelets read and write only what belongs to their node (as in a real cluster); RBAC for the rest
        '--authorization-mode=Node,RBAC',
        // PodNodeSelector: a namespace annotation places its pods on the real node (Cluster.realNodeNamespace)
        '--enable-admission-plugins=NodeRestriction,PodNodeSelector,PodTolerationRestriction',
        // the apiserver's identity towards kubelets (logs, exec): verified against the kubelet's serving cert
        `--kubelet-client-certificate=${pki.cert('apiserver-kubelet-client').cert}`,
        `--kubelet-client-key=${pki.cert('apiserver-kubelet-client').key}`,
        `--kubelet-certificate-authority=${pki.caCert}`,
        '--kubelet-preferred-address-types=InternalIP,Hostname',
        `--service-account-issuer=${apiserverUrl(ports)}`,
        `--service-account-key-file=${pki.serviceAccountPub}`,
        `--service-account-signing-key-file=${pki.serviceAccountKey}`,
        `--service-cluster-ip-range=${serviceClusterIpRange}`,
        '--allow-privileged=true',
        // Without pods, the lease reconciler would publish 127.0.0.1 as the kubernetes Service's endpoint, which
        // endpoint validation rejects (loopback); nothing dials that Service then.
        ...(opts.podReachable ? [] : ['--endpoint-reconciler-type=none']),
        '--profiling=false',
      ],
      port: ports.apiserver,
    },
    {
      name: 'kube-controller-manager',
      command: bins.kubeControllerManager,
      args: [
        ...servingOf('kube-controller-manager', ports.controllerManager),
        // service-account tokens, the kube-root-ca.crt ConfigMap, and one identity per controller (as in a real cluster)
        `--service-account-private-key-file=${pki.serviceAccountKey}`,
        `--root-ca-file=${pki.caCert}`,
        '--use-service-account-credentials=true',
        `--cluster-signing-cert-file=${pki.caCert}`,
        `--cluster-signing-key-file=${pki.caKey}`,
        `--service-cluster-ip-range=${serviceClusterIpRange}`,
        '--allocate-node-cidrs=false',
        '--controllers=*',
        '--profiling=false',
      ],
      port: ports.controllerManager,
    },
    {
      name: 'kube-scheduler',
      command: bins.kubeScheduler,
      args: servingOf('kube-scheduler', ports.scheduler),
      port: ports.scheduler,
    },
    {
      name: 'kwok',
      command: bins.kwok,
      args: [
        `--kubeconfig=${componentKubeconfig(layout, 'kwok')}`,
        `--config=${kwokConfigFile(layout)}`,
        // renew a Lease per node, as a kubelet does, so the node lifecycle controller sees live nodes
        '--node-lease-duration-seconds=40',
        '--manage-all-nodes=false',
        `--manage-nodes-with-annotation-selector=${kwokNodeAnnotation.key}=${kwokNodeAnnotation.value}`,
        `--server-address=127.0.0.1:${ports.kwok}`,
      ],
      port: ports.kwok,
    },
  ];
}
