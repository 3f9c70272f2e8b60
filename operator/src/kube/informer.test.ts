import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { ResilientInformer } from './informer.ts';
import type { Logger } from '../observe/logger.ts';

const configMap = (name: string, resourceVersion: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', resourceVersion } });

/** A stand-in apiserver for /api/v1/configmaps: the list fails `listFailures` times; the first watch is refused
 *  with a 500, or (`holdFirstWatch`) held open until `breakFirstWatch()` cuts its connection; later watches deliver
 *  ConfigMap b and stay open. (A watch the apiserver closes cleanly, client-node 2.x resumes by itself from its
 *  resourceVersion: only a refused or broken one reaches the informer's error path.) */
class FakeApiserver {
  listCalls = 0;
  watchCalls = 0;
  private server: Server | undefined;
  private firstWatch: ServerResponse | undefined;

  constructor(private readonly listFailures: number, private readonly holdFirstWatch = false) {}

  breakFirstWatch(): void {
    this.firstWatch?.socket?.destroy();
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    // client-node's KubernetesObjectApi asks discovery what the kind's resource is before it lists
    if (url.pathname === '/api/v1') {
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        kind: 'APIResourceList', groupVersion: 'v1', resources: [{ name: 'configmaps', namespaced: true, kind: 'ConfigMap', verbs: ['list', 'watch'] }],
      }));
    }
    if (url.pathname !== '/api/v1/configmaps') return void res.writeHead(404).end();
    if (url.searchParams.get('watch') !== 'true') {
      this.listCalls++;
      if (this.listCalls <= this.listFailures) {
        return void res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 500, message: 'etcd unavailable' }));
      }
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: '10' }, items: [configMap('a', '10')] }));
    }
    this.watchCalls++;
    if (this.watchCalls === 1 && this.holdFirstWatch) {
      this.firstWatch = res;
      return void res.writeHead(200, { 'content-type': 'application/json' }).flushHeaders();
    }
    if (this.watchCalls === 1) return void res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 500, message: 'watch broke' }));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(JSON.stringify({ type: 'ADDED', object: configMap('b', '11') }) + '\n');
  }
}

/** Records the backoff the informer announces, in order. */
function recordingLogger(delays: number[]): Logger {
  const ignore = (() => log) as unknown as Logger['info'];
  const log: Logger = {
    info: ignore,
    debug: ignore,
    error: ignore,
    child: () => log,
    warn: ((_message: string, meta?: { retryInMs?: number }) => {
      if (meta?.retryInMs !== undefined) delays.push(meta.retryInMs);
      return log;
    }) as unknown as Logger['warn'],
  };
  return log;
}

function kubeConfig(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server, skipTLSVerify: true }],
    users: [{ name: 'fake' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
    currentContext: 'fake',
  });
  return kc;
}

describe('ResilientInformer: restart with backoff', () => {
  let apiserver: FakeApiserver;
  let informer: ResilientInformer<KubernetesObject> | undefined;

  afterEach(async () => {
    await informer?.stop();
    await apiserver.stop();
  });

  async function run(opts: { listFailures: number; clock: () => number; onFirstSync?: () => void }) {
    apiserver = new FakeApiserver(opts.listFailures, opts.onFirstSync !== undefined);
    let syncs = 0;
    const server = await apiserver.start();
    const delays: number[] = [];
    let restarts = 0;
    const added: string[] = [];
    let sawB: () => void = () => undefined;
    const gotB = new Promise<void>((resolve) => (sawB = resolve));
    informer = new ResilientInformer(kubeConfig(server), { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' }, {
      log: recordingLogger(delays),
      baseDelayMs: 5,
      maxDelayMs: 1000,
      resetAfterMs: 60_000,
      now: opts.clock,
      onRestart: () => restarts++,
      onSynced: () => (++syncs === 1 ? opts.onFirstSync?.() : undefined),
      onChange: (obj, verb) => {
        if (verb !== 'add') return;
        added.push(obj.metadata?.name ?? '');
        if (obj.metadata?.name === 'b') sawB();
      },
    });
    await informer.start();
    await gotB;
    return { delays, restarts, added };
  }

  it('doubles the delay while the apiserver keeps failing, never giving up, and resumes the watch', async () => {
    const result = await run({ listFailures: 3, clock: () => 0 });
    // three failed lists, then a watch that broke soon after a good start: one backoff sequence
    assert.deepEqual(result.delays, [5, 10, 20, 40]);
    assert.equal(result.restarts, 4);
    assert.deepEqual([...new Set(result.added)], ['a', 'b']);
    assert.equal(informer?.hasSynced, true);
    assert.equal(apiserver.listCalls, 4, 'the broken watch resumed from its resourceVersion, without a re-list');
  });

  it('starts the backoff afresh after a watch that was healthy for a while', async () => {
    let now = 0;
    // Two failed lists, then a watch that runs for two minutes before its connection breaks.
    const result = await run({ listFailures: 2, clock: () => now, onFirstSync: () => {
      now = 120_000;
      apiserver.breakFirstWatch();
    } });
    assert.deepEqual(result.delays, [5, 10, 5]);
  });
});
