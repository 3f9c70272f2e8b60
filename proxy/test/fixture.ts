// Shared set-up of the proxy's real-parts tests: a config file written the way the operator renders it, the proxy
// started from it (and restarted on the same storage), and small HTTP checks of what clients receive.
import type { ProxyStats } from '../src/index.ts';
import { createHash } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { stringify } from 'yaml';
import { freePort, startProxy, tempDir, type RunningProxy, type TempDir } from '@berth/e2e';

/** One `projects[]` entry of the proxy config (see @berth/contracts/proxy-config). */
export interface ProjectSpec {
  name: string;
  registry: string;
  upstream: string;
  [key: string]: unknown;
}

export interface ProxyUnderTest {
  readonly proxy: RunningProxy;
  readonly storage: string;
  readonly configFile: string;
  /** Restarts on the same storage and port, with other projects if given (the old process must be stopped). */
  restart(projects?: ProjectSpec[]): Promise<ProxyUnderTest>;
  /** Stops the proxy and removes its storage and config. */
  dispose(): Promise<void>;
}

/** Where a proxy keeps its bytes and its index; default: its own storage dir and the embedded index. */
export interface ProxyPlacement {
  /** A storage directory shared with another replica (not removed by `dispose`). */
  storage?: string;
  /** `index: { redis: URL }`: the shared index of replicas on one store. */
  redis?: string;
  /** `tls:` — HTTPS on 127.0.0.1:`port` as well, with these files. */
  tls?: { port: number; certFile: string; keyFile: string };
  /** `upstreamTimeouts` of the config (durations), e.g. short ones for a test of a stalled upstream. */
  upstreamTimeouts?: { connect?: string; headers?: string; body?: string; deadline?: string };
  /**
   * `storage.s3`: blobs in this bucket of an S3-compatible server; the storage directory is then only the local
   * working folder (downloads in progress, the embedded index).
   */
  s3?: { endpoint: string; bucket: string; prefix?: string; accessKeyIdFile: string; secretAccessKeyFile: string };
  /** `log:` of the config; default `{ level: debug }`. */
  log?: { level?: 'error' | 'warn' | 'info' | 'debug'; access?: boolean };
}

async function launch(dir: TempDir, port: number, projects: ProjectSpec[], placement: ProxyPlacement): Promise<ProxyUnderTest> {
  const storage = placement.storage ?? join(dir.path, 'storage');
  const configFile = join(dir.path, 'proxy.yaml');
  await writeFile(configFile, stringify({
    listen: `127.0.0.1:${port}`, log: placement.log ?? { level: 'debug' }, projects,
    storage: { directory: storage, ...(placement.s3 ? { s3: { ...placement.s3, region: 'us-east-1', forcePathStyle: true } } : {}) },
    ...(placement.redis ? { index: { redis: placement.redis } } : {}),
    ...(placement.tls ? { tls: { listen: `127.0.0.1:${placement.tls.port}`, certFile: placement.tls.certFile, keyFile: placement.tls.keyFile } } : {}),
    ...(placement.upstreamTimeouts ? { upstreamTimeouts: placement.upstreamTimeouts } : {}),
  }));
  const proxy = await startProxy({ configFile });
  return {
    proxy,
    storage,
    configFile,
    restart: (next) => launch(dir, port, next ?? projects, placement),
    dispose: async () => {
      await proxy.stop();
      await dir.remove();
    },
  };
}

/** Starts the proxy from a config file with these projects, on a free loopback port, with fresh storage. */
export async function proxyWith(projects: ProjectSpec[], placement: ProxyPlacement = {}): Promise<ProxyUnderTest> {
  const dir = await tempDir('berth-proxy');
  try {
    return await launch(dir, await freePort(), projects, placement);
  } catch (err) {
    await dir.remove();
    throw err;
  }
}

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export interface Fetched {
  status: number;
  headers: Headers;
  /** The body, when it arrived whole. */
  body?: Buffer;
  /** Why reading the body failed (connection reset, aborted stream), when it did. */
  bodyError?: Error;
}

/** GETs `url` and reads the whole body, keeping a broken body as `bodyError` instead of throwing. */
export async function fetchAll(url: string, init: RequestInit = {}): Promise<Fetched> {
  const response = await fetch(url, init);
  try {
    return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
  } catch (err) {
    return { status: response.status, headers: response.headers, bodyError: err as Error };
  }
}

/** The proxy's `/_berth/stats`. */
export type Stats = ProxyStats;

export async function stats(proxyUrl: string): Promise<Stats> {
  const response = await fetch(`${proxyUrl}/_berth/stats`);
  if (response.status !== 200) throw new Error(`/_berth/stats answered ${response.status}`);
  return (await response.json()) as Stats;
}

/** Every file under `dir` whose name contains `needle` (e.g. a digest's hex): how the test finds stored bytes. */
/** Every byte a stream gives, and the error it ended with, if any (the bytes before it are kept). */
export async function drainStream(stream: Readable): Promise<{ bytes: Buffer; error?: Error }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return { bytes: Buffer.concat(chunks) };
  } catch (err) {
    return { bytes: Buffer.concat(chunks), error: err as Error };
  }
}

export async function filesNamed(dir: string, needle: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name.includes(needle)).map((e) => join(e.parentPath, e.name));
}

/** The OCI error codes of an error response body (empty when the body is not the spec's error JSON). */
export function errorCodes(body: Buffer | undefined): string[] {
  try {
    const doc = JSON.parse(body?.toString('utf8') ?? '') as { errors?: { code?: unknown }[] };
    return (doc.errors ?? []).map((e) => String(e.code));
  } catch {
    return [];
  }
}

/** The hex part of a sha256 digest. */
export const hexOf = (digest: string) => digest.slice(digest.indexOf(':') + 1);
