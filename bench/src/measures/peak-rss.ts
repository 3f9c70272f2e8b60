// Measure 5: Berth's peak RSS while a fresh instance streams the 2 GB blob to 50 clients at once, cold (the first
// request fetches it from the upstream while the others wait on or read along the same download).
// The clients are curl processes writing to /dev/null; each must receive every byte.
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
  /** VmHWM at the end: the process's peak RSS over its whole life (it started just before). */
  peakRssBytes: number;
  /** RSS when the instance was ready, before any client: what streaming added is the difference. */
  idleRssBytes: number;
}

async function curlDownload(url: string): Promise<{ status: string; bytes: number }> {
  const child = spawn('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download}', url], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  await once(child, 'close');
  const [status = '', bytes = '0'] = out.trim().split(' ');
  return { status, bytes: Number(bytes) };
}

export async function measurePeakRss(fresh: PeerFactory, image: SeededImage): Promise<PeakRssFigures> {
  const blob = layer(image);
  const peer = await fresh();
  try {
    const pid = peer.pid;
    if (pid === undefined) throw new Error(`${peer.name} has no process id to read memory from`);
    const idle = await readMemoryStatus(pid);
    const url = `${peer.url}/v2/${image.repo}/blobs/${blob.digest}`;
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: RSS_CLIENTS }, () => curlDownload(url)));
    const seconds = (performance.now() - started) / 1000;
    const short = results.filter((r) => r.status !== '200' || r.bytes !== blob.size);
    if (short.length > 0) {
      throw new Error(`${short.length} of ${RSS_CLIENTS} clients did not get the whole blob: ${JSON.stringify(short[0])}`);
    }
    const end = await readMemoryStatus(pid);
    return { clients: RSS_CLIENTS, blobBytes: blob.size, seconds, peakRssBytes: end.vmHwmBytes, idleRssBytes: idle.vmRssBytes };
  } finally {
    await peer.stop();
  }
}
