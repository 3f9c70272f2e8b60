// Measure 5: Berth's peak RSS while a fresh instance streams the 2 GB blob to 50 clients at once, cold (the first
// request fetches it from the upstream while the others wait on or read along the same download).
// The clients are curl processes writing to /dev/null. On a loaded machine 50 × 2 GB can take longer than the
// bench may: at the deadline the clients are stopped, and the figures say how much was streamed by then.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { layer, type SeededImage } from '../images/seeded-image.ts';
import type { PeerFactory } from '../peers/peer.ts';
import { readMemoryStatus } from './proc-status.ts';

export const RSS_CLIENTS = 50;

export interface PeakRssFigures {
  clients: number;
  blobBytes: number;
  seconds: number;
  /** Clients that received the whole blob before the deadline. */
  completeClients: number;
  /** Bytes all clients received together. */
  streamedBytes: number;
  /** VmHWM at the end: the process's peak RSS over its whole life (it started just before). */
  peakRssBytes: number;
  /** RSS when the instance was ready, before any client: what streaming added is the difference. */
  idleRssBytes: number;
}

interface Download {
  done: Promise<{ status: string; bytes: number }>;
  stop(): void;
}

function curlDownload(url: string): Download {
  // -w still prints when curl is stopped by SIGINT at the deadline: the bytes it got by then.
  const child = spawn('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download}', url], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const done = once(child, 'close').then(() => {
    const [status = '', bytes = '0'] = out.trim().split(' ');
    return { status, bytes: Number(bytes) };
  });
  return { done, stop: () => child.kill('SIGINT') };
}

export async function measurePeakRss(fresh: PeerFactory, image: SeededImage, deadlineSeconds: number): Promise<PeakRssFigures> {
  const blob = layer(image);
  const peer = await fresh();
  try {
    const pid = peer.pid;
    if (pid === undefined) throw new Error(`${peer.name} has no process id to read memory from`);
    const idle = await readMemoryStatus(pid);
    const url = `${peer.url}/v2/${image.repo}/blobs/${blob.digest}`;
    const started = performance.now();
    const downloads = Array.from({ length: RSS_CLIENTS }, () => curlDownload(url));
    let peakRssBytes = 0;
    const timer = setTimeout(() => {
      // Read the peak while every client is still connected, then stop them.
      void readMemoryStatus(pid).then(
        (s) => (peakRssBytes = s.vmHwmBytes),
        () => {},
      ).finally(() => downloads.forEach((d) => d.stop()));
    }, deadlineSeconds * 1000);
    const results = await Promise.all(downloads.map((d) => d.done));
    clearTimeout(timer);
    const seconds = (performance.now() - started) / 1000;
    const failed = results.filter((r) => r.status !== '200');
    if (failed.length > 0) throw new Error(`${failed.length} of ${RSS_CLIENTS} clients got no 200: ${JSON.stringify(failed[0])}`);
    peakRssBytes = Math.max(peakRssBytes, (await readMemoryStatus(pid)).vmHwmBytes);
    return {
      clients: RSS_CLIENTS,
      blobBytes: blob.size,
      seconds,
      completeClients: results.filter((r) => r.bytes === blob.size).length,
      streamedBytes: results.reduce((sum, r) => sum + r.bytes, 0),
      peakRssBytes,
      idleRssBytes: idle.vmRssBytes,
    };
  } finally {
    await peer.stop();
  }
}
