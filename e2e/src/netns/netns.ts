// A network namespace of the test's own, joined to the host by one veth pair on a /30: inside it the only address
// besides its loopback is the host's end of the pair, and a firewall in the namespace lets through only the host
// ports a test opens (`allow`). A daemon started in it (`command`) reaches nothing else: no default route, and a
// name lookup meets a closed port (see `resolvConf`), so a request that misses the allowed ports fails at once
// and never leaves the machine. Removing the namespace removes its end of the pair, and with it the host's end.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { track } from '../testbed/cleanup.ts';
import { run } from '../testbed/run.ts';

export interface NetworkNamespace {
  readonly name: string;
  /** The host's end of the pair, e.g. 10.217.40.1: listen here to be reachable from the namespace. */
  readonly hostAddress: string;
  /** The namespace's end. */
  readonly address: string;
  /** Lets the namespace open TCP connections to this port of the host's address. */
  allow(port: number): Promise<void>;
  /** `command` run inside the namespace (for spawn): ['ip', 'netns', 'exec', NAME, …]. */
  command(command: string, args: string[]): { command: string; args: string[] };
  remove(): Promise<void>;
}

/** Ends names the test bed makes, so that a leftover is recognisable (`ip netns list`). */
const PREFIX = 'b17c';

export async function createNetworkNamespace(): Promise<NetworkNamespace> {
  const id = randomBytes(3).toString('hex');
  const name = `${PREFIX}-${id}`;
  // Interface names have at most 15 bytes.
  const [hostIf, nsIf] = [`${PREFIX}${id}h`, `${PREFIX}${id}n`];
  const { hostAddress, address } = await freePair();
  const inside = (args: string[]) => run('ip', ['netns', 'exec', name, ...args]);

  await run('ip', ['netns', 'add', name]);
  const remove = track({
    name: `network namespace ${name}`,
    stop: async () => void (await run('ip', ['netns', 'delete', name])),
    killNow: () => execFileSync('ip', ['netns', 'delete', name]),
  });
  try {
    await run('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf, 'netns', name]);
    await run('ip', ['addr', 'add', `${hostAddress}/30`, 'dev', hostIf]);
    await run('ip', ['link', 'set', hostIf, 'up']);
    await inside(['ip', 'addr', 'add', `${address}/30`, 'dev', nsIf]);
    await inside(['ip', 'link', 'set', nsIf, 'up']);
    await inside(['ip', 'link', 'set', 'lo', 'up']);
    // Loopback inside stays open (the daemon's own ports); everything else is refused unless allowed.
    await inside(['iptables', '-w', '-A', 'OUTPUT', '-o', 'lo', '-j', 'ACCEPT']);
    await inside(['iptables', '-w', '-A', 'OUTPUT', '-j', 'REJECT']);
  } catch (err) {
    await remove();
    throw err;
  }
  return {
    name,
    hostAddress,
    address,
    allow: async (port) =>
      void (await inside(['iptables', '-w', '-I', 'OUTPUT', '1', '-d', hostAddress, '-p', 'tcp', '--dport', String(port), '-j', 'ACCEPT'])),
    command: (command, args) => ({ command: 'ip', args: ['netns', 'exec', name, command, ...args] }),
    remove,
  };
}

/** The two ends of a 10.217.X.Y/30 no interface of the host uses yet (another namespace of a parallel run, say). */
async function freePair(): Promise<{ hostAddress: string; address: string }> {
  const used = await run('ip', ['-4', '-o', 'addr', 'show']);
  for (;;) {
    const [x, y] = [...randomBytes(2)] as [number, number];
    const base = y & 0xfc;
    const at = (i: number) => `10.217.${x}.${base + i}`;
    if (![0, 1, 2, 3].some((i) => used.includes(` ${at(i)}/`))) return { hostAddress: at(1), address: at(2) };
  }
}
