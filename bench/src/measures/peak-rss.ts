// Measure 5: Berth's peak RSS while a fresh instance streams the 2 GB blob to 50 clients at once, cold (the first
// request fetches it from the upstream while the others wait on or read along the same download).
// The clients are curl processes writing to /dev/null. 50 × 2 GB can take longer than the bench may: at the
// deadline the clients stop, and the figures say how much was streamed by then.
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

/** curl to /dev/null; --max-time stops it at the deadline and it still prints what it got by then. */
async function curlDownload(url: string, maxSeconds: number): Promise<{ status: string; bytes: number }> {
  const child = spawn('curl', ['-s', '--max-time', String(maxSeconds), '-o', '/dev/null', '-w', '%{http_code} %{size_download}', url], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  await once(child, 'close');
  const [status = '', bytes = '0'] = out.trim().split(' ');
  return { status, bytes: Number(bytes) };
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
    const results = await Promise.all(Array.from({ length: RSS_CLIENTS }, () => curlDownload(url, deadlineSeconds)));
    const seconds = (performance.now() - started) / 1000;
    const failed = results.filter((r) => r.status !== '200');
    if (failed.length > 0) throw new Error(`${failed.length} of ${RSS_CLIENTS} clients got no 200: ${JSON.stringify(failed[0])}`);
    // VmHWM is the kernel's high-water mark: read after the clients left, it still holds the peak while they streamed.
    const peakRssBytes = (await readMemoryStatus(pid)).vmHwmBytes;
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
