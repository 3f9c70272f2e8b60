// A private containerd daemon, separate from any system one: its own root, state and socket under a temp dir,
// the CRI plugin off (only `ctr` talks to it). Pulls go through `ctr images pull --hosts-dir`, the same host
// configuration (hosts.toml) the CRI plugin reads on a Kubernetes node.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { logTail, startDaemon } from '../testbed/daemon.ts';
import { run } from '../testbed/run.ts';
import { tempDir } from '../testbed/temp.ts';
import { waitFor } from '../testbed/wait.ts';

export interface ContainerdPullOptions {
  /** Directory of <registry>/hosts.toml files. */
  hostsDir: string;
  /** e.g. linux/arm64; default: this machine's platform. */
  platform?: string;
  allPlatforms?: boolean;
  /** user:password for the registry. */
  user?: string;
  /**
   * The environment of `ctr`, which does the fetching: e.g. HTTPS_PROXY at a closed local port, so that a pull
   * falling back to a public host fails on this machine instead of leaving it (Go never proxies loopback IPs).
   */
  env?: NodeJS.ProcessEnv;
}

export interface Containerd {
  /** The daemon's socket, for `ctr --address`. */
  readonly address: string;
  /** Pulls (fetches and unpacks) `ref`, e.g. docker.io/library/app:v1; rejects with ctr's error. */
  pull(ref: string, opts: ContainerdPullOptions): Promise<void>;
  /** Runs `ctr --address … -n berth ARGS`. */
  ctr(args: string[]): Promise<string>;
  /** Forgets every image and its content, so that the next pull fetches everything again. */
  forgetImages(): Promise<void>;
  stop(): Promise<void>;
}

const NAMESPACE = 'berth';

export async function startContainerd(): Promise<Containerd> {
  const dir = await tempDir('berth-ctd');
  const address = join(dir.path, 'ctd.sock');
  const configFile = join(dir.path, 'config.toml');
  await writeFile(configFile, [
    'version = 2',
    `root = ${JSON.stringify(join(dir.path, 'root'))}`,
    `state = ${JSON.stringify(join(dir.path, 'state'))}`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '[grpc]',
    `  address = ${JSON.stringify(address)}`,
    '[ttrpc]',
    `  address = ${JSON.stringify(`${address}.ttrpc`)}`,
    '',
  ].join('\n'));

  const daemon = startDaemon({
    name: `containerd ${dir.path}`,
    command: 'containerd',
    args: ['--config', configFile],
    logFile: join(dir.path, 'containerd.log'),
  });
  const ctr = (args: string[], secrets: string[] = [], env?: NodeJS.ProcessEnv) =>
    run('ctr', ['--address', address, '-n', NAMESPACE, ...args], { secrets, ...(env ? { env } : {}) });
  const stop = async () => {
    await daemon.stop();
    // Unpacking mounts nothing that outlives a pull with the default snapshotter, so the dir can go.
    await dir.remove();
  };
  try {
    await waitFor(async () => (await run('ctr', ['--address', address, 'version'], { timeoutMs: 5_000 }), true), {
      what: `containerd on ${address}`,
      abort: daemon.exitReason,
    });
  } catch (err) {
    const tail = await logTail(daemon);
    await stop();
    throw new Error(`${(err as Error).message}\n${tail}`);
  }

  return {
    address,
    ctr: (args) => ctr(args),
    pull: async (ref, opts) => {
      const platform = opts.allPlatforms ? ['--all-platforms'] : opts.platform ? ['--platform', opts.platform] : [];
      const user = opts.user ? ['--user', opts.user] : [];
      const secrets = opts.user ? [opts.user, opts.user.slice(opts.user.indexOf(':') + 1)] : [];
      await ctr(['images', 'pull', '--hosts-dir', opts.hostsDir, ...platform, ...user, ref], secrets, opts.env);
    },
    forgetImages: async () => {
      const refs = (await ctr(['images', 'ls', '-q'])).split('\n').filter(Boolean);
      if (refs.length > 0) await ctr(['images', 'rm', '--sync', ...refs]);
      // Content no image references any more is collected with the images (--sync waits for that).
      const left = (await ctr(['content', 'ls', '-q'])).split('\n').filter(Boolean);
      if (left.length > 0) await ctr(['content', 'rm', ...left]);
    },
    stop,
  };
}
