// The host state the real node changes, recorded before it is changed and restored by `down` — also after `up`
// crashed halfway, because the record is on disk (<cluster>/host-state.json) before the first change is made.
//
// What the real node touches outside the cluster dir, and how `down` undoes it:
// - processes: the pods' (every pid in a `kubepods` cgroup) and containerd's shims (by their -address) are killed;
//   kubelet, kube-proxy, containerd and the registry are stopped by the recorded pid like the control plane;
// - mounts: everything mounted under the node dir (the kubelet's self bind mount, pod volumes, rootfs overlays,
//   sandbox shm), under any host path the node created, and new /run/netns/cni-* files: lazily unmounted;
// - cgroups: `kubepods` in every hierarchy, removed depth first (when it did not exist before);
// - links: the CNI bridge and veths still attached to it;
// - iptables (v4 and v6): `kube-proxy --cleanup`, then every chain named KUBE-*, CNI-* or BERTH-* (the guard)
//   that was not there before, with the new rules that jump to them (the kubelet's KUBE-FIREWALL,
//   KUBE-KUBELET-CANARY, KUBE-IPTABLES-HINT survive --cleanup);
// - sysctls: the kubelet's kernel tunables, ip_forward (CNI bridge), kube-proxy's: restored to recorded values;
// - host paths the kubelet, CNI and containerd create at fixed places: removed if they did not exist before
//   (the topmost missing ancestor is recorded, e.g. /var/lib/kubelet for /var/lib/kubelet/device-plugins);
// - /etc/containerd (the node's containerd config and certs.d): copied to <cluster>/host-backup with tar
//   (modes, owners, times) and put back exactly; removed if it did not exist.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ClusterLayout } from './layout.ts';
import { run as sh } from '../testbed/run.ts';
import { pollUntil } from './processes.ts';
import { bridgeName, etcContainerd, guardRules, type NodePaths } from './realnode.ts';

/** Sysctls the kubelet (kernel tunables), the CNI bridge plugin (forwarding) and kube-proxy may set. */
export const recordedSysctls = [
  'vm.overcommit_memory',
  'vm.panic_on_oom',
  'kernel.panic',
  'kernel.panic_on_oops',
  'kernel.keys.root_maxkeys',
  'kernel.keys.root_maxbytes',
  'net.ipv4.ip_forward',
  'net.ipv4.conf.all.forwarding',
  'net.ipv6.conf.all.forwarding',
  'net.ipv4.conf.all.route_localnet',
  'net.netfilter.nf_conntrack_max',
  'net.netfilter.nf_conntrack_tcp_timeout_established',
  'net.netfilter.nf_conntrack_tcp_timeout_close_wait',
  'net.bridge.bridge-nf-call-iptables',
  'net.bridge.bridge-nf-call-ip6tables',
] as const;

/** Host paths created at fixed places whatever the flags say. */
export const fixedHostPaths = [
  '/var/lib/kubelet/device-plugins', // hard-coded in the kubelet's device manager
  '/var/log/pods',
  '/var/log/containers',
  '/var/lib/cni/results', // libcni's result cache (containerd 1.6 does not set it)
  '/run/containerd/s', // containerd 1.6's shim sockets
  '/run/netns', // the CRI's pod network namespaces
  // Berth's node agent mounts these hostPaths DirectoryOrCreate (operator/src/nodemirror/desired.ts): the kubelet
  // makes each one that a node of another runtime lacks, and the agent keeps its state under /var/lib/berth
  '/etc/docker',
  '/etc/rancher',
  '/etc/containers',
  '/etc/crio',
  '/var/lib/rancher',
  '/var/lib/berth/node-agent',
] as const;

/** Top-level cgroups the node makes: the kubelet's (cgroupfs driver) and containerd's default for its namespace. */
export const ownedCgroupNames = ['kubepods', 'k8s.io'] as const;

function cgroupCandidates(): string[] {
  return cgroupMounts().flatMap((m) => ownedCgroupNames.map((n) => join(m, n)));
}

export const iptablesTables = ['filter', 'nat', 'mangle', 'raw'] as const;
/** Chains the node's components (and the guard) create; only new ones are removed. */
export const nodeChainPattern = /^(KUBE|CNI|BERTH)-/;

export interface HostRecord {
  version: 1;
  recordedAt: string;
  sysctls: Record<string, string | null>;
  /** the topmost ancestor of each fixed path that did not exist: removed by `down` */
  createdPaths: string[];
  /** /etc/containerd existed and is saved as host-backup/etc-containerd.tar */
  etcContainerdBackedUp: boolean;
  netnsBefore: string[];
  linksBefore: string[];
  /** cgroups (<hierarchy>/<name>, for the names in ownedCgroupNames) that existed already: left alone */
  kubepodsBefore: string[];
  /** per family ('v4' | 'v6'), per table: the chain names before */
  chainsBefore: Record<string, Record<string, string[]>>;
  /** the node's paths (for mounts, processes) and the kube-proxy binary (for --cleanup) */
  node: { dir: string; containerdSocket: string };
  kubeProxy: string;
  uplinks: { v4: string[]; v6: string[] };
}

function sysctlPath(key: string): string {
  return join('/proc/sys', ...key.split('.'));
}

function readSysctl(key: string): string | null {
  try {
    return readFileSync(sysctlPath(key), 'utf8').trim();
  } catch {
    return null;
  }
}

/** The topmost ancestor of `path` that does not exist (the whole tree `down` may remove), or undefined. */
export function topmostMissing(path: string, exists: (p: string) => boolean = existsSync): string | undefined {
  if (exists(path)) return undefined;
  let top = path;
  for (let dir = dirname(path); dir !== dirname(dir) && !exists(dir); dir = dirname(dir)) top = dir;
  return top;
}

/** Mount points from /proc/self/mountinfo (octal escapes decoded), with their file system type. */
export function parseMountinfo(text: string): { mountPoint: string; fsType: string }[] {
  const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const fields = line.split(' ');
      const dash = fields.indexOf('-');
      return { mountPoint: unescape(fields[4] ?? ''), fsType: fields[dash + 1] ?? '' };
    });
}

function mounts(): { mountPoint: string; fsType: string }[] {
  return parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
}

export function cgroupMounts(): string[] {
  return mounts()
    .filter((m) => m.fsType === 'cgroup' || m.fsType === 'cgroup2')
    .map((m) => m.mountPoint);
}

async function linkNames(): Promise<{ name: string; master?: string }[]> {
  const links = JSON.parse(await sh('ip', ['-j', 'link', 'show'])) as { ifname: string; master?: string }[];
  return links.map((l) => ({ name: l.ifname, master: l.master }));
}

function netnsNames(): string[] {
  return existsSync('/run/netns') ? readdirSync('/run/netns') : [];
}

/** The interfaces of the default routes (the uplinks the guard closes). */
export async function uplinks(): Promise<{ v4: string[]; v6: string[] }> {
  const devs = async (family: '-4' | '-6'): Promise<string[]> => {
    const routes = JSON.parse(await sh('ip', ['-j', family, 'route', 'show', 'default'])) as { dev?: string }[];
    return [...new Set(routes.map((r) => r.dev).filter((d): d is string => d !== undefined))];
  };
  return { v4: await devs('-4'), v6: await devs('-6') };
}

const iptablesOf = { v4: 'iptables', v6: 'ip6tables' } as const;

async function chains(family: 'v4' | 'v6', table: string): Promise<string[]> {
  const out = await sh(iptablesOf[family], ['-w', '-t', table, '-S']);
  return out
    .split('\n')
    .filter((l) => l.startsWith('-N ') || l.startsWith('-P '))
    .map((l) => l.split(' ')[1]!);
}

/** Splits an `iptables -S` rule line into arguments (double quotes, backslash escapes). */
export function splitRule(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inQuote = false;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (c === '"') {
      inQuote = !inQuote;
      has = true;
    } else if (c === ' ' && !inQuote) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

/**
 * What removes the node's iptables state from one table's `-S` listing: `-D` for every rule (in a chain that stays)
 * jumping to a new node chain, then `-F` and `-X` for every new node chain. Pure, for the unit test.
 */
export function iptablesCleanup(listing: string, chainsBefore: string[]): string[][] {
  const before = new Set(chainsBefore);
  const lines = listing.split('\n').filter(Boolean);
  const created = lines
    .filter((l) => l.startsWith('-N '))
    .map((l) => l.split(' ')[1]!)
    .filter((c) => nodeChainPattern.test(c) && !before.has(c));
  const gone = new Set(created);
  const deletes: string[][] = [];
  for (const l of lines) {
    if (!l.startsWith('-A ')) continue;
    const args = splitRule(l);
    const chain = args[1]!;
    if (gone.has(chain)) continue;
    const target = args.findIndex((a, i) => (a === '-j' || a === '-g') && gone.has(args[i + 1] ?? ''));
    if (target >= 0) deletes.push(['-D', ...args.slice(1)]);
  }
  return [...deletes, ...created.map((c) => ['-F', c]), ...created.map((c) => ['-X', c])];
}

export function readHostRecord(layout: ClusterLayout): HostRecord | undefined {
  if (!existsSync(layout.hostRecord)) return undefined;
  return JSON.parse(readFileSync(layout.hostRecord, 'utf8')) as HostRecord;
}

/** Records the host's state as it is now; saves /etc/containerd. Call before the real node changes anything. */
export async function recordHostState(layout: ClusterLayout, p: NodePaths, kubeProxy: string): Promise<HostRecord> {
  const chainsBefore: HostRecord['chainsBefore'] = { v4: {}, v6: {} };
  for (const family of ['v4', 'v6'] as const) for (const t of iptablesTables) chainsBefore[family]![t] = await chains(family, t);
  const etcContainerdBackedUp = existsSync(etcContainerd);
  await rm(layout.hostBackup, { recursive: true, force: true });
  await mkdir(layout.hostBackup, { recursive: true, mode: 0o700 });
  if (etcContainerdBackedUp) await sh('tar', ['-C', dirname(etcContainerd), '--numeric-owner', '--format=posix', '-cpf', join(layout.hostBackup, 'etc-containerd.tar'), 'containerd']);
  const record: HostRecord = {
    version: 1,
    recordedAt: new Date().toISOString(),
    sysctls: Object.fromEntries(recordedSysctls.map((k) => [k, readSysctl(k)])),
    createdPaths: [...new Set(fixedHostPaths.map((path) => topmostMissing(path)).filter((x): x is string => x !== undefined))],
    etcContainerdBackedUp,
    netnsBefore: netnsNames(),
    linksBefore: (await linkNames()).map((l) => l.name),
    kubepodsBefore: cgroupCandidates().filter((d) => existsSync(d)),
    chainsBefore,
    node: { dir: p.dir, containerdSocket: p.containerdSocket },
    kubeProxy,
    uplinks: await uplinks(),
  };
  const tmp = `${layout.hostRecord}.tmp`;
  await writeFile(tmp, JSON.stringify(record, null, 2) + '\n');
  await rename(tmp, layout.hostRecord);
  return record;
}

/** Installs the guard chains (see realnode.ts); `down` removes them with the other new BERTH-* chains. */
export async function installGuard(record: HostRecord, closedPorts: number[] = []): Promise<void> {
  const rules = guardRules(record.uplinks, closedPorts);
  for (const args of rules.v4) await sh('iptables', ['-w', ...args]);
  for (const args of rules.v6) await sh('ip6tables', ['-w', ...args]);
}

function pidsOf(file: string): number[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function walkDirs(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) visit(join(d, e.name));
    out.push(d); // children first: the order rmdir needs
  };
  visit(dir);
  return out;
}

/** The kubepods cgroup trees `down` owns: in every hierarchy that had none before. */
function ownedKubepods(record: HostRecord): string[] {
  return cgroupCandidates().filter((d) => !record.kubepodsBefore.includes(d) && existsSync(d));
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** Pids of containerd shims serving the node's containerd (they outlive containerd by design). */
/**
 * Every process of the node found by its command line: each names a path under the node's folder (containerd's
 * socket and root, the shims' -address, kube-proxy's and the kubelet's config, the registry's). This also finds
 * one that `up` started but was killed before recording.
 */
function nodeProcessPids(nodeDir: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.some((a) => a.includes(`${nodeDir}/`))) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/**
 * Kills every pod process (by cgroup) and every process of the node (by command line: shims, and whatever of the
 * node still runs). Call after the kubelet stopped.
 */
export async function killPods(record: HostRecord): Promise<void> {
  const alive = (): number[] => [...ownedKubepods(record).flatMap((t) => walkDirs(t).flatMap((d) => pidsOf(join(d, 'cgroup.procs')))), ...nodeProcessPids(record.node.dir)];
  const gone = await pollUntil(async () => {
    const pids = alive();
    pids.forEach(kill);
    return pids.length === 0;
  }, 15_000, 100);
  if (!gone) throw new Error(`pod processes survive SIGKILL: ${alive().join(' ')}`);
}

/** Restores the host from the record (idempotent); removes the record only when every step succeeded. */
export async function restoreHostState(layout: ClusterLayout): Promise<void> {
  const record = readHostRecord(layout);
  if (!record) return;
  const errors: string[] = [];
  const step = async (what: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      errors.push(`${what}: ${(err as Error).message}`);
    }
  };
  await step('kill pods', () => killPods(record));
  await step('unmount', () => unmountNode(record));
  await step('network namespaces', async () => {
    for (const n of netnsNames()) if (n.startsWith('cni-') && !record.netnsBefore.includes(n)) await rm(join('/run/netns', n), { force: true });
  });
  await step('cgroups', () => removeCgroups(record));
  await step('links', async () => {
    const before = new Set(record.linksBefore);
    const links = await linkNames();
    for (const l of links) if (l.master === bridgeName && !before.has(l.name)) await sh('ip', ['link', 'delete', l.name]).catch(() => undefined);
    if (links.some((l) => l.name === bridgeName) && !before.has(bridgeName)) await sh('ip', ['link', 'delete', bridgeName]);
  });
  await step('iptables', () => cleanIptables(record));
  await step('sysctls', async () => {
    for (const [key, value] of Object.entries(record.sysctls)) {
      if (value !== null && readSysctl(key) !== value) await writeFile(sysctlPath(key), `${value}\n`);
    }
  });
  await step('host paths', async () => {
    for (const path of record.createdPaths) await rm(path, { recursive: true, force: true });
  });
  await step('/etc/containerd', async () => {
    await rm(etcContainerd, { recursive: true, force: true });
    if (record.etcContainerdBackedUp) await sh('tar', ['-C', dirname(etcContainerd), '--numeric-owner', '-xpf', join(layout.hostBackup, 'etc-containerd.tar')]);
  });
  if (errors.length > 0) throw new Error(`could not restore the host after the real node (record kept in ${layout.hostRecord}):\n${errors.join('\n')}`);
  await rm(layout.hostRecord, { force: true });
  await rm(layout.hostBackup, { recursive: true, force: true });
}

/** The mount points `down` owns: under the node dir, under a created host path, and new /run/netns/cni-*. */
export function ownedMounts(mountPoints: string[], record: Pick<HostRecord, 'node' | 'createdPaths' | 'netnsBefore'>): string[] {
  const under = (m: string, dir: string): boolean => m === dir || m.startsWith(`${dir}/`);
  return mountPoints
    .filter(
      (m) =>
        under(m, record.node.dir) ||
        record.createdPaths.some((p) => under(m, p)) ||
        (m.startsWith('/run/netns/cni-') && !record.netnsBefore.includes(m.slice('/run/netns/'.length))),
    )
    .sort((a, b) => b.length - a.length);
}

async function unmountNode(record: HostRecord): Promise<void> {
  // a mount point can be stacked (the kubelet's root is bind-mounted onto itself): repeat until none is left
  for (let round = 0; round < 10; round++) {
    const owned = ownedMounts(mounts().map((m) => m.mountPoint), record);
    if (owned.length === 0) return;
    for (const m of owned) await sh('umount', ['-l', m]).catch(() => undefined);
  }
  const left = ownedMounts(mounts().map((m) => m.mountPoint), record);
  if (left.length > 0) throw new Error(`still mounted: ${left.join(' ')}`);
}

async function removeCgroups(record: HostRecord): Promise<void> {
  const ok = await pollUntil(async () => {
    for (const tree of ownedKubepods(record)) {
      for (const d of walkDirs(tree)) await rmdir(d).catch(() => undefined);
    }
    return ownedKubepods(record).length === 0;
  }, 10_000, 100);
  if (!ok) throw new Error(`cgroups left: ${ownedKubepods(record).join(' ')}`);
}

async function cleanIptables(record: HostRecord): Promise<void> {
  if (existsSync(record.kubeProxy) && statSync(record.kubeProxy).isFile()) {
    // kube-proxy's own cleanup of its chains; what it leaves (the kubelet's) goes in the sweep below
    await sh(record.kubeProxy, ['--cleanup', '--v=0']).catch(() => undefined);
  }
  for (const family of ['v4', 'v6'] as const) {
    for (const table of iptablesTables) {
      const listing = await sh(iptablesOf[family], ['-w', '-t', table, '-S']);
      for (const args of iptablesCleanup(listing, record.chainsBefore[family]?.[table] ?? [])) {
        await sh(iptablesOf[family], ['-w', '-t', table, ...args]);
      }
    }
  }
}

/** For tests: the host state that must be the same before `up` and after `down`. */
export async function hostSnapshot(): Promise<Record<string, string>> {
  const iptables = async (bin: string): Promise<string> =>
    (await sh(`${bin}-save`, []))
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .map((l) => l.replace(/\[\d+:\d+\]/g, '[0:0]'))
      .join('\n');
  const cgroups = cgroupMounts()
    .flatMap((m) => (existsSync(m) ? readdirSync(m, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(m, e.name)) : []))
    .sort()
    .join('\n');
  const paths = [...fixedHostPaths, '/var/lib/kubelet', '/var/lib/cni', '/run/containerd', '/etc/cni', '/opt/containerd', '/usr/libexec/kubernetes'];
  const etc = existsSync(etcContainerd) ? await sh('find', [etcContainerd, '-printf', '%p %m %U %G %s %T@ %y\n']) : '(absent)';
  const etcFiles = existsSync(etcContainerd) ? await sh('sh', ['-c', `find ${etcContainerd} -type f -exec sha256sum {} + | sort`]) : '';
  return {
    iptables: await iptables('iptables'),
    ip6tables: await iptables('ip6tables'),
    mounts: mounts()
      .map((m) => m.mountPoint)
      .sort()
      .join('\n'),
    links: (await linkNames())
      .map((l) => l.name)
      .sort()
      .join('\n'),
    netns: netnsNames().sort().join('\n'),
    sysctls: recordedSysctls.map((k) => `${k}=${readSysctl(k)}`).join('\n'),
    cgroups,
    paths: paths.map((p) => `${p} ${existsSync(p)}`).join('\n'),
    etcContainerd: etc + etcFiles,
    // a kernel without module support has no /proc/modules
    modules: existsSync('/proc/modules')
      ? readFileSync('/proc/modules', 'utf8')
          .split('\n')
          .map((l) => l.split(' ')[0])
          .sort()
          .join('\n')
      : '',
  };
}

/** Writes files under `dir` (relative path → content), creating folders. */
export async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), text);
  }
}
