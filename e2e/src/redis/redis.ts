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
  /** redis://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** True when a RESP PING on `port` answers +PONG (the server accepts commands, not just connections). */
function pongs(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
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

export async function startRedis(): Promise<Redis> {
  const dir = await tempDir('berth-redis');
  const port = await freePort();
  const daemon = startDaemon({
    name: `redis-server :${port}`,
    command: 'redis-server',
    // No config file: every setting on the command line. No RDB/AOF, loopback only, no protected-mode surprises.
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir.path, '--daemonize', 'no'],
    logFile: join(dir.path, 'redis.log'),
  });
  const stop = async () => {
    await daemon.stop();
    await dir.remove();
  };
  try {
    await waitFor(() => pongs(port), { what: `redis-server on 127.0.0.1:${port}`, abort: daemon.exitReason });
  } catch (err) {
    const tail = await logTail(daemon);
    await stop();
    throw new Error(`${(err as Error).message}\n${tail}`);
  }
  return { url: `redis://127.0.0.1:${port}`, port, stop };
}
