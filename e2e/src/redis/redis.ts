// A Redis for tests: Debian's redis-server on a free loopback port, no persistence, its own temp dir, stopped by
// the test (or, at the latest, by the test bed's cleanup). The proxy's shared index (`index: { redis: URL }`) for
// replicas that share one store.
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { logTail, startDaemon } from '../testbed/daemon.ts';
import { freePort } from '../testbed/ports.ts';
import { tempDir } from '../testbed/temp.ts';
import { waitFor } from '../testbed/wait.ts';

export interface Redis {
  /** redis://ADDRESS:PORT */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** True when a RESP PING on `port` answers +PONG (the server accepts commands, not just connections). */
function pongs(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(2_000);
    let answer = '';
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
      if (answer.includes('\r\n')) {
        socket.destroy();
        resolve(answer.startsWith('+PONG'));
      }
    });
    socket.once('timeout', () => socket.destroy());
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

/** `address`: the one to bind, default 127.0.0.1 (pods on the real node reach the cluster's hostAddress). */
export async function startRedis(opts: { address?: string } = {}): Promise<Redis> {
  const address = opts.address ?? '127.0.0.1';
  const dir = await tempDir('berth-redis');
  const port = await freePort();
  const daemon = startDaemon({
    name: `redis-server :${port}`,
    command: 'redis-server',
    // No config file: every setting on the command line. No RDB/AOF. Off the loopback, protected mode would refuse
    // every other host (there is no password): the pod bridge stays inside this machine.
    args: [
      '--port', String(port), '--bind', address, ...(address === '127.0.0.1' ? [] : ['--protected-mode', 'no']),
      '--save', '', '--appendonly', 'no', '--dir', dir.path, '--daemonize', 'no',
    ],
    logFile: join(dir.path, 'redis.log'),
  });
  const stop = async () => {
    await daemon.stop();
    await dir.remove();
  };
  try {
    await waitFor(() => pongs(address, port), { what: `redis-server on ${address}:${port}`, abort: daemon.exitReason });
  } catch (err) {
    const tail = await logTail(daemon);
    await stop();
    throw new Error(`${(err as Error).message}\n${tail}`);
  }
  return { url: `redis://${address}:${port}`, port, stop };
}
