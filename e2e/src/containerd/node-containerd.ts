// A real containerd with its CRI plugin on, reading a node's registry configuration from the node's own paths:
// /etc/containerd/config.toml, its `imports`, the config_path folders. The test writes those files under a folder
// of its own (the node's / as the node agent sees it with --host-root), and the daemon runs in a mount namespace
// where that folder's /etc/containerd and /etc/docker take the place of the machine's, so both read the same files
// by the same absolute paths. Its root, state and socket are its own (command-line flags, which take precedence
// over the config file and leave the node's file as the test wrote it). Pulls go through the CRI, as the kubelet's
// do, with crictl.
//
// The daemon runs inside a network namespace (netns.ts): its pulls reach only what that namespace allows. In its
// mount namespace /etc, /run and /opt are fresh tmpfs: the node folders are bound onto folders of that /etc, not
// onto the machine's /etc/containerd, because renaming a folder on the host (the bed's real node backs up
// /etc/containerd so) silently detaches mounts on it in every other namespace, and the daemon would read the
// machine's files. The paths containerd writes whatever its config says (/run/containerd/s, NRI's socket under
// /run, /opt/containerd) are private the same way: nothing outlives the process, and two daemons never meet.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { NetworkNamespace } from '../netns/netns.ts';
import { logTail, startDaemon } from '../testbed/daemon.ts';
import { run } from '../testbed/run.ts';
import { tempDir } from '../testbed/temp.ts';
import { containerdBinDir, crictlBinary } from '../testbed/toolchain.ts';
import { waitFor } from '../testbed/wait.ts';

export interface NodeContainerdOptions {
  /** A release the bed builds (versions.env), e.g. v2.1.9. */
  version: string;
  /** The node's / as files: its etc/containerd (config.toml, drop-ins, certs.d) and etc/docker. */
  nodeRoot: string;
  netns: NetworkNamespace;
}

export interface NodeContainerd {
  /** unix:///…/ctd.sock, for crictl's --runtime-endpoint. */
  readonly endpoint: string;
  /** What the daemon reports over the CRI (RuntimeVersion), as the kubelet puts it in the Node object. */
  readonly version: string;
  /** `crictl pull REF`: rejects with crictl's error when the pull fails. */
  pull(ref: string): Promise<void>;
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** containerd exited before its CRI answered (e.g. it refused the config); `log` is the end of its output. */
export class ContainerdRefusedToStart extends Error {
  override name = 'ContainerdRefusedToStart';
  constructor(
    message: string,
    readonly log: string,
  ) {
    super(message);
  }
}

/** The node folders the daemon reads from `nodeRoot` instead of the machine's. */
const NODE_FOLDERS = ['/etc/containerd', '/etc/docker'];

// Runs in the new mount namespace: the private tmpfs, then the binds given as SOURCE TARGET pairs up to `--`, then
// exec the daemon (so that its pid is the one the test bed signals). A name lookup (docker.io's real host, for a
// pull that misses the mirror) meets a closed port at once.
const MOUNT_AND_EXEC = [
  'set -e',
  'for d in /run /opt /etc; do mount -t tmpfs tmpfs "$d"; done',
  "echo 'nameserver 127.0.0.1' > /etc/resolv.conf",
  "echo '127.0.0.1 localhost' > /etc/hosts",
  'while [ "$1" != -- ]; do mkdir -p "$2"; mount --bind "$1" "$2"; shift 2; done',
  'shift',
  'exec "$@"',
].join('\n');

export async function startNodeContainerd(opts: NodeContainerdOptions): Promise<NodeContainerd> {
  const bin = containerdBinDir(opts.version);
  const crictl = crictlBinary();
  // Short: the socket path must stay under 108 bytes.
  const dir = await tempDir('b17c-ctd');
  const socket = join(dir.path, 'ctd.sock');
  const endpoint = `unix://${socket}`;
  for (const folder of NODE_FOLDERS) await mkdir(join(opts.nodeRoot, folder), { recursive: true });
  const binds = NODE_FOLDERS.flatMap((folder) => [join(opts.nodeRoot, folder), folder]);
  const daemonArgs = [
    '--config', '/etc/containerd/config.toml', '--address', socket,
    '--root', join(dir.path, 'root'), '--state', join(dir.path, 'state'), '--log-level', 'debug',
  ];
  const inNamespace = opts.netns.command('unshare', [
    '--mount', '--propagation', 'private', 'sh', '-c', MOUNT_AND_EXEC, 'sh', ...binds, '--', join(bin, 'containerd'), ...daemonArgs,
  ]);
  const daemon = startDaemon({
    name: `containerd ${opts.version} ${dir.path}`,
    ...inNamespace,
    logFile: join(dir.path, 'containerd.log'),
    // The runc shim is found on PATH, next to the daemon.
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
  });
  const cri = (args: string[], timeout = '10s') => run(crictl, ['--runtime-endpoint', endpoint, '--image-endpoint', endpoint, '--timeout', timeout, ...args]);
  const stop = async () => {
    // Its mounts (snapshots, the binds) live in its own mount namespace and go with the process.
    await daemon.stop();
    await dir.remove();
  };

  let version: string;
  try {
    version = await waitFor(async () => /^RuntimeVersion:\s*(\S+)/m.exec(await cri(['version'], '2s'))?.[1], {
      what: `containerd ${opts.version}'s CRI on ${socket}`,
      abort: daemon.exitReason,
    });
  } catch (err) {
    const tail = await logTail(daemon);
    const exited = daemon.exitReason() !== undefined;
    await stop();
    if (exited) throw new ContainerdRefusedToStart(`containerd ${opts.version} did not start: ${(err as Error).message}`, tail);
    throw new Error(`${(err as Error).message}\n${tail}`);
  }
  return {
    endpoint,
    version,
    pull: async (ref) => void (await cri(['pull', ref], '60s')),
    log: () => daemon.log(),
    stop,
  };
}
