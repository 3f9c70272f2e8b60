// Where the local control plane keeps its state, and where the Go-built binaries it runs are cached.
//
//   e2e/.cluster/                 (git-ignored; BERTH_CLUSTER_DIR overrides)
//   ├── state.json                ports and pids recorded by `up`
//   ├── kubeconfig                admin (client certificate, O=system:masters)
//   ├── pki/                      ca, apiserver serving cert, client certs, service-account key pair
//   ├── kubeconfigs/              one per component (controller-manager, scheduler, kwok)
//   ├── etcd/                     etcd's data (removed by `down`: every `up` starts from an empty cluster)
//   ├── pids/<component>.pid
//   ├── logs/<component>.log
//   ├── run/<component>/          each component's scratch (self-signed serving certs)
//   ├── node/                     the real node: containerd root/state/socket, kubelet root, CNI config, configs
//   ├── registry/                 the cluster registry's storage (kept across `down`, see registry.ts)
//   ├── host-state.json           what the real node changes on the host, recorded before it changes it (hoststate.ts)
//   └── host-backup/              copies of host files the real node replaces (/etc/containerd)
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export interface ClusterLayout {
  root: string;
  stateFile: string;
  kubeconfig: string;
  pki: string;
  kubeconfigs: string;
  etcdData: string;
  pids: string;
  logs: string;
  run: string;
  node: string;
  registryData: string;
  hostRecord: string;
  hostBackup: string;
}

/** The folder of the @berth/e2e package, found by walking up from this file (works from src/ and from dist/). */
export function e2ePackageDir(from: string = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === '@berth/e2e') {
      return dir;
    }
    if (dirname(dir) === dir) throw new Error(`no @berth/e2e package.json above ${from}`);
  }
}

export function clusterLayout(root: string = process.env.BERTH_CLUSTER_DIR ?? join(e2ePackageDir(), '.cluster')): ClusterLayout {
  const abs = resolve(root);
  return {
    root: abs,
    stateFile: join(abs, 'state.json'),
    kubeconfig: join(abs, 'kubeconfig'),
    pki: join(abs, 'pki'),
    kubeconfigs: join(abs, 'kubeconfigs'),
    etcdData: join(abs, 'etcd'),
    pids: join(abs, 'pids'),
    logs: join(abs, 'logs'),
    run: join(abs, 'run'),
    node: join(abs, 'node'),
    registryData: join(abs, 'registry'),
    hostRecord: join(abs, 'host-state.json'),
    hostBackup: join(abs, 'host-backup'),
  };
}

/** Parses versions.env (KEY=VALUE lines, # comments), the pins shared with e2e/toolchain/build.sh. */
export function parseVersionsEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim().replace(/^["']|["']$/g, '');
  }
  return out;
}

export interface Binaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  kwok: string;
  kubelet: string;
  kubeProxy: string;
  /** the real node's sandbox program (e2e/toolchain/pause) */
  pause: string;
}

/** The binaries' paths in the cache that build.sh fills (same keying: <tool>-<version>). */
export function binaries(pins: Record<string, string>, cache: string = process.env.BERTH_CACHE ?? join(homedir(), '.cache', 'berth')): Binaries {
  const need = (key: string): string => {
    const v = pins[key];
    if (!v) throw new Error(`e2e/toolchain/versions.env has no ${key}`);
    return v;
  };
  const k8s = join(cache, 'bin', `kubernetes-${need('K8S_VERSION')}`);
  return {
    etcd: join(cache, 'bin', `etcd-${need('ETCD_VERSION')}`, 'berth-etcd'),
    kubeApiserver: join(k8s, 'kube-apiserver'),
    kubeControllerManager: join(k8s, 'kube-controller-manager'),
    kubeScheduler: join(k8s, 'kube-scheduler'),
    kubectl: join(k8s, 'kubectl'),
    kwok: join(cache, 'bin', `kwok-${need('KWOK_VERSION')}`, 'kwok'),
    kubelet: join(k8s, 'kubelet'),
    kubeProxy: join(k8s, 'kube-proxy'),
    pause: join(cache, 'bin', 'pause', 'pause'),
  };
}

export function toolchainDir(): string {
  return join(e2ePackageDir(), 'toolchain');
}

/** The pinned binaries, or an error that says which are missing and the command that builds them. */
export function requireBinaries(): Binaries {
  const bins = binaries(parseVersionsEnv(readFileSync(join(toolchainDir(), 'versions.env'), 'utf8')));
  const missing = Object.values(bins).filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(`control-plane binaries not built: ${missing.join(', ')}; run e2e/toolchain/build.sh k8s && e2e/toolchain/build.sh etcd && e2e/toolchain/build.sh kwok && e2e/toolchain/build.sh pause`);
  }
  return bins;
}
