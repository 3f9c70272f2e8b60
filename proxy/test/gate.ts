// A TCP proxy in front of an upstream that lets each connection's first bytes of answer through and then holds the
// rest until released: a download the proxy starts is then in flight for as long as a test needs, with no sleeps.
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface HoldingGate {
  /** http://127.0.0.1:PORT, to use as a project's upstream. */
  readonly url: string;
  /** Lets every held byte through, and all that follow. */
  release(): void;
  close(): Promise<void>;
}

/** Forwards to `target` (host:port); per connection, answer bytes past `holdAfter` wait for `release()`. */
export async function holdingGate(target: string, holdAfter: number): Promise<HoldingGate> {
  const colon = target.lastIndexOf(':');
  const host = target.slice(0, colon);
  const port = Number(target.slice(colon + 1));
  let released = false;
  const waiting = new Set<() => void>();
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, host);
    sockets.add(client).add(upstream);
    let forwarded = 0;
    let pending: Buffer[] = [];
    const flush = () => {
      for (const chunk of pending) client.write(chunk);
      pending = [];
      upstream.resume();
    };
    upstream.on('data', (chunk: Buffer) => {
      if (released) return void client.write(chunk);
      const room = Math.max(0, holdAfter - forwarded);
      if (room > 0) client.write(chunk.subarray(0, room));
      forwarded += Math.min(room, chunk.byteLength);
      if (chunk.byteLength > room) {
        pending.push(chunk.subarray(room));
        upstream.pause();
        waiting.add(flush);
      }
    });
    client.pipe(upstream);
    upstream.on('end', () => (pending.length === 0 ? client.end() : waiting.add(() => client.end())));
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', () => (pending.length === 0 ? close() : undefined));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${own}`,
    release() {
      released = true;
      const all = [...waiting];
      waiting.clear();
      for (const go of all) go();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
