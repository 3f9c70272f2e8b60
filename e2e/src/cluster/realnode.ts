// The real node beside kwok's fake ones: a kubelet, a containerd of its own (CRI plugin, runc), a CNI bridge and
// kube-proxy (iptables mode), plus the cluster registry the node pulls its images from. This file is pure: paths,
// command lines and config files, built from the layout, so `up`, `down` and the unit tests share them.
//
// Facts behind the choices (see /work/shared/notes/real-node.md):
// - node name = the IP literal 127.0.0.1 (--hostname-override, no --node-ip: a loopback node IP is refused); the
//   apiserver dials the kubelet at that InternalIP without DNS.
// - containerd: restrict_oom_score_adj (root here lacks CAP_SYS_RESOURCE), SystemdCgroup=false (cgroupfs, v1 hybrid).
// - containerd reads /etc/containerd/config.toml and /etc/containerd/certs.d, the real host paths, as on a cluster
//   node: Berth's node agent (a DaemonSet pod with a hostPath of /etc/containerd) writes hosts.toml there and the
//   kubelet's pulls follow it. `up` backs up whatever /etc/containerd held and `down` puts it back (hoststate.ts).
//   Everything else containerd keeps (root, state, sockets, runc state) lives under <cluster>/node, so it never
//   meets the private ctr-only containerds of e2e/src/containerd (temp dirs, sockets of their own).
// - fixed ports: kubelet 10250 (API) and 10248 (healthz), kube-proxy 10249 (metrics) and 10256 (healthz), the
//   cluster registry 5000: one real node per machine. All bound to 127.0.0.1.
import { join } from 'node:path';
import { stringify } from 'yaml';
import { serviceClusterIpRange } from './components.ts';
import type { Binaries, ClusterLayout } from './layout.ts';
import { pkiFiles, realNodeName } from './pki.ts';

export { realNodeName };

/** Labels the kubelet registers its Node with: target the real node with nodeSelector {berth.dev/node: real}. */
export const realNodeLabel = { key: 'berth.dev/node', value: 'real' } as const;

/** The whole pod range the guard rules keep on the machine; the node's bridge uses the first /24 of it. */
export const podRange = '10.88.0.0/16';
export const podSubnet = '10.88.0.0/24';
export const bridgeName = 'berth0';
/**
 * The host's address on the pod bridge (the pods' gateway), made by `up` before any pod: where pods and the node's
 * containerd alike reach a server on the host (a test registry, an upstream), since a pod's 127.0.0.1 is its own.
 */
export const bridgeAddress = '10.88.0.1';

/** The folder for hostPath PersistentVolumes on the real node (removed by `down` with the node dir). */
export function realNodeVolumesDir(layout: ClusterLayout): string {
  return join(layout.node, 'volumes');
}

/**
 * The real node's taint: the suites that run fake images on kwok's nodes never land here by chance (their pods
 * would wait on pulls that cannot succeed). Pods that must really run tolerate it and select the node.
 */
export const realNodeTaint = { key: 'berth.dev/real-node', value: 'true', effect: 'NoSchedule' } as const;

/**
 * PodNodeSelector and PodTolerationRestriction: a namespace with these annotations places all its pods on the
 * real node (the apiserver merges the selector and the toleration into every pod), so charts need no placement
 * values of their own — as a cluster admin would dedicate a node pool to a namespace.
 */
export const namespaceNodeSelectorAnnotation = 'scheduler.alpha.kubernetes.io/node-selector';
export const namespaceTolerationsAnnotation = 'scheduler.alpha.kubernetes.io/defaultTolerations';

export function realNodeNamespaceAnnotations(): Record<string, string> {
  return {
    [namespaceNodeSelectorAnnotation]: `${realNodeLabel.key}=${realNodeLabel.value}`,
    [namespaceTolerationsAnnotation]: JSON.stringify([{ key: realNodeTaint.key, operator: 'Equal', value: realNodeTaint.value, effect: realNodeTaint.effect }]),
  };
}

export const realNodePorts = { kubelet: 10250, kubeletHealthz: 10248, kubeProxyMetrics: 10249, kubeProxyHealthz: 10256 } as const;

/**
 * The cluster registry: Debian's docker-registry (distribution 2.8), plain HTTP on a fixed loopback port, so image
 * references stay the same across `up`s. Its storage (<cluster>/registry) outlives `down`, so pushed images are
 * there for every test of an `up` and the next one. Naming: `127.0.0.1:5000/berth/<image>:<tag>`, e.g. the node's
 * sandbox image 127.0.0.1:5000/berth/pause:1 and 127.0.0.1:5000/berth/busybox:1 (sh, for pods that run commands).
 * Berth's own images go to 127.0.0.1:5000/berth/<component>:<tag> the same way. The node's containerd reaches
 * it through certs.d/127.0.0.1:5000/hosts.toml (plain http).
 */
export const registryAddress = '127.0.0.1:5000';
export const pauseImage = `${registryAddress}/berth/pause:1`;
export const busyboxImage = `${registryAddress}/berth/busybox:1`;

/** The host paths the node's containerd reads, as on a real node (the node agent's hostPath). */
export const etcContainerd = '/etc/containerd';
export const containerdConfigFile = join(etcContainerd, 'config.toml');
export const containerdCertsDir = join(etcContainerd, 'certs.d');

/** Where a registry mirror configuration points when nothing matches: a closed local port, a miss fails fast. */
export const closedLocalServer = 'http://127.0.0.1:1';

export type NodeComponentName = 'registry' | 'containerd' | 'kube-proxy' | 'kubelet';
/** Start order; `down` stops them in reverse. */
export const nodeComponentNames: readonly NodeComponentName[] = ['registry', 'containerd', 'kube-proxy', 'kubelet'];

export interface NodePaths {
  dir: string;
  containerdRoot: string;
  containerdState: string;
  containerdSocket: string;
  runcRoot: string;
  cniConfDir: string;
  cniIpamDir: string;
  kubeletRoot: string;
  kubeletConfig: string;
  kubeletCertDir: string;
  volumePluginDir: string;
  kubeProxyConfig: string;
  resolvConf: string;
  registryConfig: string;
  optDir: string;
}

export function nodePaths(layout: ClusterLayout): NodePaths {
  const dir = layout.node;
  return {
    dir,
    containerdRoot: join(dir, 'containerd', 'root'),
    containerdState: join(dir, 'containerd', 'state'),
    containerdSocket: join(dir, 'containerd', 'containerd.sock'),
    runcRoot: join(dir, 'containerd', 'runc'),
    optDir: join(dir, 'containerd', 'opt'),
    cniConfDir: join(dir, 'cni', 'net.d'),
    cniIpamDir: join(dir, 'cni', 'ipam'),
    kubeletRoot: join(dir, 'kubelet'),
    kubeletConfig: join(dir, 'kubelet-config.yaml'),
    kubeletCertDir: join(dir, 'kubelet-certs'),
    volumePluginDir: join(dir, 'volume-plugins'),
    kubeProxyConfig: join(dir, 'kube-proxy-config.yaml'),
    resolvConf: join(dir, 'resolv.conf'),
    registryConfig: join(dir, 'registry.yml'),
  };
}

const q = JSON.stringify;

/**
 * The real node's containerd: Debian's (1.6) by default, or a release the bed builds (e2e/toolchain/build.sh
 * containerd) chosen by BERTH_CONTAINERD=1.7|2.1|2.2 (`pnpm cluster up --containerd 2.1`), so that Berth's node
 * agent meets the runtime versions nodes run.
 */
export interface RealNodeContainerd {
  /** 'system' (Debian's) or the release, e.g. v2.1.9. */
  version: string;
  command: string;
  /** Put first on PATH: containerd starts the runc shim it finds there, its own release's. */
  binDir?: string;
  /** The config file generation: 2 for 1.x, 3 for 2.x. */
  configVersion: 2 | 3;
}

/** `choice`: '' or 'system', or MAJOR.MINOR of a release pinned in versions.env (CONTAINERD_<MAJOR>_<MINOR>_VERSION). */
export function realNodeContainerd(choice: string | undefined, pins: Record<string, string>, cache: string): RealNodeContainerd {
  if (choice === undefined || choice === '' || choice === 'system') return { version: 'system', command: '/usr/bin/containerd', configVersion: 2 };
  const m = /^v?(\d+)\.(\d+)$/.exec(choice);
  const version = m ? pins[`CONTAINERD_${m[1]}_${m[2]}_VERSION`] : undefined;
  if (!m || version === undefined) {
    const known = Object.keys(pins).flatMap((k) => /^CONTAINERD_(\d+)_(\d+)_VERSION$/.exec(k)?.slice(1, 3).join('.') ?? []);
    throw new Error(`no containerd ${JSON.stringify(choice)} in the bed: choose system or one of ${known.join(', ')}`);
  }
  const binDir = join(cache, 'bin', `containerd-${version}`);
  return { version, command: join(binDir, 'containerd'), binDir, configVersion: m[1] === '1' ? 2 : 3 };
}

/**
 * containerd's config: CRI on, runc via cgroupfs, everything but /etc/containerd under the node dir. Version 2 for
 * 1.x; version 3 for 2.x, whose CRI settings are split into the runtime, images and server (grpc) sections.
 */
export function containerdConfig(p: NodePaths, configVersion: 2 | 3 = 2): string {
  const v3 = configVersion === 3;
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  const runtime = v3 ? 'plugins."io.containerd.cri.v1.runtime"' : cri;
  const images = v3 ? 'plugins."io.containerd.cri.v1.images"' : cri;
  return [
    '# Written by Berth\'s test bed (e2e/src/cluster/realnode.ts) for its real node; `pnpm cluster down` restores',
    '# what was here before.',
    `version = ${configVersion}`,
    `root = ${q(p.containerdRoot)}`,
    `state = ${q(p.containerdState)}`,
    'disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]',
    '[grpc]',
    `  address = ${q(p.containerdSocket)}`,
    '[ttrpc]',
    `  address = ${q(`${p.containerdSocket}.ttrpc`)}`,
    '[metrics]',
    '  address = ""',
    `[${cri}]`,
    ...(v3 ? [] : [`  sandbox_image = ${q(pauseImage)}`]),
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    ...(v3 ? [`[${runtime}]`] : []),
    // root here lacks CAP_SYS_RESOURCE: runc cannot lower oom_score_adj below containerd's own
    '  restrict_oom_score_adj = true',
    '  enable_cdi = false',
    `[${runtime}.containerd]`,
    ...(v3 ? [] : ['  snapshotter = "overlayfs"']),
    '  default_runtime_name = "runc"',
    `[${runtime}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `[${runtime}.containerd.runtimes.runc.options]`,
    '  SystemdCgroup = false',
    `  Root = ${q(p.runcRoot)}`,
    `[${runtime}.cni]`,
    v3 ? '  bin_dirs = ["/usr/lib/cni"]' : '  bin_dir = "/usr/lib/cni"',
    `  conf_dir = ${q(p.cniConfDir)}`,
    '  max_conf_num = 1',
    ...(v3 ? [`[${images}]`, '  snapshotter = "overlayfs"', `[${images}.pinned_images]`, `  sandbox = ${q(pauseImage)}`] : []),
    `[${images}.registry]`,
    `  config_path = ${q(containerdCertsDir)}`,
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${q(p.optDir)}`,
    // NRI (on by default from 2.0) would open its socket under the host's /var/run/nri
    ...(v3 ? ['[plugins."io.containerd.nri.v1.nri"]', '  disable = true'] : []),
    '',
  ].join('\n');
}

/** A certs.d/<host>/hosts.toml: pulls of `host` go to `url` (plain http allowed), no fallback beyond it. */
export function hostsToml(server: string, hosts: string[]): string {
  const lines = [`server = ${q(server)}`, ''];
  for (const h of hosts) lines.push(`[host.${q(h)}]`, '  capabilities = ["pull", "resolve"]', '  skip_verify = true', '');
  return lines.join('\n');
}

/** The certs.d files the bed writes: the cluster registry, and `_default` (any other registry) to a closed port. */
export function certsDFiles(): Record<string, string> {
  return {
    [join(registryAddress, 'hosts.toml')]: hostsToml(`http://${registryAddress}`, [`http://${registryAddress}`]),
    [join('_default', 'hosts.toml')]: hostsToml(closedLocalServer, []),
  };
}

/** The pod network: a bridge with host-local addresses from the first /24, no masquerade (nothing may leave). */
export function cniConflist(p: NodePaths): string {
  return JSON.stringify(
    {
      cniVersion: '0.4.0',
      name: 'berth',
      plugins: [
        {
          type: 'bridge',
          bridge: bridgeName,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: { type: 'host-local', ranges: [[{ subnet: podSubnet, gateway: bridgeAddress }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: p.cniIpamDir },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

/** Pods resolve through their own loopback only: no name server off the machine is ever asked. */
export const resolvConf = 'nameserver 127.0.0.1\n';

export function kubeletConfig(layout: ClusterLayout, p: NodePaths): string {
  const pki = pkiFiles(layout.pki);
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: '127.0.0.1',
    port: realNodePorts.kubelet,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: realNodePorts.kubeletHealthz,
    // as in a real cluster: client certificates from the cluster CA, bearer tokens and authorization by webhook
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: pki.caCert } },
    authorization: { mode: 'Webhook' },
    tlsCertFile: pki.cert('kubelet-serving').cert,
    tlsPrivateKeyFile: pki.cert('kubelet-serving').key,
    containerRuntimeEndpoint: `unix://${p.containerdSocket}`,
    cgroupDriver: 'cgroupfs',
    // this machine is cgroup v1 (hybrid); v1 is in maintenance and this default flips in a later release
    failCgroupV1: false,
    failSwapOn: false,
    resolvConf: p.resolvConf,
    clusterDomain: 'cluster.local',
    volumePluginDir: p.volumePluginDir,
    serializeImagePulls: false,
    // a shared test machine's disk is not the node's: evict only when it is really full
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'nodefs.inodesFree': '1%', 'imagefs.available': '1%' },
    imageGCHighThresholdPercent: 99,
    imageGCLowThresholdPercent: 98,
    maxPods: 110,
    podCIDR: podSubnet,
  });
}

export function kubeProxyConfig(layout: ClusterLayout): string {
  return stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig: join(layout.kubeconfigs, 'kube-proxy.kubeconfig') },
    hostnameOverride: realNodeName,
    mode: 'iptables',
    clusterCIDR: podRange,
    detectLocalMode: 'ClusterCIDR',
    healthzBindAddress: `127.0.0.1:${realNodePorts.kubeProxyHealthz}`,
    metricsBindAddress: `127.0.0.1:${realNodePorts.kubeProxyMetrics}`,
    // NodePorts only on the bridge's address: never on the uplink, and no route_localnet sysctl for loopback ones
    nodePortAddresses: [podRange],
    iptables: { localhostNodePorts: false },
    // zeros leave the host's conntrack sysctls as they are
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
  });
}

export function registryConfig(layout: ClusterLayout): string {
  return stringify({
    version: 0.1,
    log: { level: 'info', formatter: 'json', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: layout.registryData }, delete: { enabled: true }, maintenance: { uploadpurging: { enabled: false } } },
    http: { addr: registryAddress, secret: 'berth-cluster-registry' },
  });
}

export interface NodeComponent {
  name: NodeComponentName;
  command: string;
  args: string[];
  port: number;
  /** Added to the bed's environment. */
  env?: Record<string, string>;
}

export function nodeComponents(layout: ClusterLayout, bins: Binaries, containerd?: RealNodeContainerd): NodeComponent[] {
  const p = nodePaths(layout);
  const ctd = containerd ?? realNodeContainerd(undefined, {}, '');
  return [
    { name: 'registry', command: '/usr/bin/docker-registry', args: ['serve', p.registryConfig], port: Number(registryAddress.split(':')[1]) },
    // socket, root and state repeat the config's: on the command line they name the node's folder, by which
    // `down` finds this containerd even when `up` died before recording it
    {
      name: 'containerd',
      command: ctd.command,
      args: ['--config', containerdConfigFile, '--address', p.containerdSocket, '--root', p.containerdRoot, '--state', p.containerdState],
      port: 0,
      ...(ctd.binDir ? { env: { PATH: `${ctd.binDir}:${process.env.PATH ?? ''}` } } : {}),
    },
    {
      name: 'kube-proxy',
      command: bins.kubeProxy,
      args: [`--config=${p.kubeProxyConfig}`, `--hostname-override=${realNodeName}`],
      port: realNodePorts.kubeProxyHealthz,
    },
    {
      name: 'kubelet',
      command: bins.kubelet,
      args: [
        `--config=${p.kubeletConfig}`,
        `--kubeconfig=${join(layout.kubeconfigs, 'kubelet.kubeconfig')}`,
        // the IP literal as node name: it becomes the InternalIP (--node-ip=127.0.0.1 is refused as loopback)
        `--hostname-override=${realNodeName}`,
        `--root-dir=${p.kubeletRoot}`,
        `--cert-dir=${p.kubeletCertDir}`,
        `--node-labels=${realNodeLabel.key}=${realNodeLabel.value}`,
        `--register-with-taints=${realNodeTaint.key}=${realNodeTaint.value}:${realNodeTaint.effect}`,
      ],
      port: realNodePorts.kubelet,
    },
  ];
}

/**
 * The guard (a rule of this workplace: traffic goes only to loopback or to network namespaces the bed made):
 * iptables rules in chains of their own, jumped to first. Both in the mangle table, which runs before filter:
 * - mangle FORWARD: nothing is forwarded out through an uplink (kube-proxy's filter KUBE-FORWARD ACCEPTs marked
 *   packets, so a filter rule after it could be skipped);
 * - mangle POSTROUTING: nothing for the pod or Service range leaves through an uplink. Not filter OUTPUT: a locally
 *   sent packet DNATed to a pod is re-routed after filter OUTPUT saw the uplink, so a rule there drops ClusterIPs.
 * - mangle PREROUTING: nothing arriving through an uplink reaches the pod or Service range, or `closedPorts` (the
 *   apiserver, which listens on every address so that pods reach it through the bridge).
 * Returns iptables argument lists (without the binary) for IPv4 and IPv6.
 */
export const guardChains = { forward: 'BERTH-GUARD-FORWARD', postrouting: 'BERTH-GUARD-POSTROUTING', prerouting: 'BERTH-GUARD-PREROUTING' } as const;

export function guardRules(uplinks: { v4: string[]; v6: string[] }, closedPorts: number[] = []): { v4: string[][]; v6: string[][] } {
  const inbound = (links: string[], ranges: string[]): string[][] => [
    ['-t', 'mangle', '-N', guardChains.prerouting],
    ...links.flatMap((l) => [
      ...ranges.map((d) => ['-t', 'mangle', '-A', guardChains.prerouting, '-i', l, '-d', d, '-j', 'DROP']),
      ...closedPorts.map((port) => ['-t', 'mangle', '-A', guardChains.prerouting, '-i', l, '-p', 'tcp', '--dport', String(port), '-j', 'DROP']),
    ]),
    ['-t', 'mangle', '-I', 'PREROUTING', '1', '-j', guardChains.prerouting],
  ];
  const common = (links: string[]): string[][] => [
    ['-t', 'mangle', '-N', guardChains.forward],
    ...links.map((l) => ['-t', 'mangle', '-A', guardChains.forward, '-o', l, '-j', 'DROP']),
    ['-t', 'mangle', '-I', 'FORWARD', '1', '-j', guardChains.forward],
  ];
  const v4 = [
    ...common(uplinks.v4),
    ['-t', 'mangle', '-N', guardChains.postrouting],
    ...uplinks.v4.flatMap((l) => [podRange, serviceClusterIpRange].map((d) => ['-t', 'mangle', '-A', guardChains.postrouting, '-o', l, '-d', d, '-j', 'DROP'])),
    ['-t', 'mangle', '-I', 'POSTROUTING', '1', '-j', guardChains.postrouting],
    ...inbound(uplinks.v4, [podRange, serviceClusterIpRange]),
  ];
  return { v4, v6: [...common(uplinks.v6), ...inbound(uplinks.v6, [])] };
}
