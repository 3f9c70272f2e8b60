// One client fetching one blob the way a node's puller does, streamed to /dev/null by curl (the bench process never
// holds the bytes): its status and how many bytes it got.
import { spawn } from 'node:child_process';
import { once } from 'node:events';

export interface Download {
  status: string;
  bytes: number;
}

export interface DownloadOptions {
  /** Follow a redirect (to a presigned object-storage URL), as a node's puller does. */
  followRedirects?: boolean;
}

/** curl to /dev/null; --max-time bounds a stuck download, and curl still prints what it got by then. */
export async function curlDownload(url: string, maxSeconds: number, opts: DownloadOptions = {}): Promise<Download> {
  const follow = opts.followRedirects ? ['-L'] : [];
  const child = spawn('curl', ['-s', ...follow, '--max-time', String(maxSeconds), '-o', '/dev/null', '-w', '%{http_code} %{size_download}', url], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  await once(child, 'close');
  const [status = '', bytes = '0'] = out.trim().split(' ');
  return { status, bytes: Number(bytes) };
}

/** `clients` downloads at once; throws unless every one got a 200 and all `size` bytes. */
export async function concurrentDownloads(url: string, clients: number, size: number, maxSeconds: number, opts: DownloadOptions = {}): Promise<void> {
  const results = await Promise.all(Array.from({ length: clients }, () => curlDownload(url, maxSeconds, opts)));
  const short = results.filter((r) => r.status !== '200' || r.bytes !== size);
  if (short.length > 0) {
    throw new Error(`${short.length} of ${clients} downloads of ${size} bytes fell short, e.g. ${JSON.stringify(short[0])}`);
  }
}
