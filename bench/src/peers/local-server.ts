// A peer the bench runs as a process of its own on this machine: a fresh temp folder for its files, a free port, a
// wait until it answers, and a stop that ends it and removes the folder (also when it never came up).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@berth/e2e';
import { startService, waitForHttpOk } from '../proc.ts';
import type { Peer, PeerName } from './peer.ts';

export interface LocalServer {
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** The path that answers 200 once the server is up. */
  readyPath: string;
}

/** `prepare` writes what the server needs into `dir` and says how to start it listening on `port`. */
export async function startLocalServer(name: PeerName, prepare: (dir: string, port: number) => Promise<LocalServer>): Promise<Peer> {
  const dir = await mkdtemp(join(tmpdir(), `berth-bench-${name}-`));
  try {
    const port = await freePort();
    const server = await prepare(dir, port);
    const service = startService(server.command, server.args, { env: server.env, cwd: server.cwd });
    const url = `http://127.0.0.1:${port}`;
    const stop = async () => {
      await service.stop();
      await rm(dir, { recursive: true, force: true });
    };
    try {
      await waitForHttpOk(`${url}${server.readyPath}`, service);
    } catch (err) {
      await stop();
      throw err;
    }
    return { name, url, host: `127.0.0.1:${port}`, pid: service.pid, stop };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
