// The fault matrix of issue 13, with real parts: a real docker-registry holding the images, the faulty upstream in
// front of it, the real proxy process with short upstream timeouts, and containerd pulling through it. Every cell
// (scenario × target, see faults/scenarios.ts) checks what the client sees, that its wait is bounded by the
// configured timeouts, that the store holds only verified bytes (and no temp file), and that the next pull works.
// After the matrix, the proxy's open file descriptors are back to where they were before it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildImage, exchange, pushImage, repoRoot, startContainerd, startFaultyUpstream, startRegistry, tempDir, waitFor, writeHostsToml,
  type Containerd, type FaultyUpstream, type Registry, type TempDir,
} from '@berth/e2e';
import { proxyWith, type ProxyUnderTest } from './fixture.ts';
import { pushHandmadeImage } from './handmade.ts';
import { outcomeOf, readFor, type Read } from './faults/reads.ts';
import { SCENARIOS, TARGETS, expectStored, expectedAsks, waitBound, type Scenario, type Target, type WaitBound } from './faults/scenarios.ts';
import { openFds, storedState, tempFiles, verifyStore } from './faults/store-check.ts';
import { resolveUpstreamTimeouts } from '../src/upstream/timeouts.ts';
import { expectedRows, renderContainerd, renderMatrix, type ContainerdRow, type MatrixRow } from './faults/table.ts';

/** The project's registry: the path prefix of the HTTP reads, and the registry containerd pulls from. */
const REGISTRY = 'faults.test';
/** Short timeouts, so that stalls end in seconds (undici's timers tick at about 1 s: shorter ones would not fire sooner). */
const TIMEOUTS = { connect: '1s', headers: '2s', body: '2s', deadline: '5s' };
const { deadlineMs, bodyMs } = resolveUpstreamTimeouts(TIMEOUTS);
const BOUND_MS: Record<WaitBound, number> = { 'at once': 0, retries: 1_400, deadline: deadlineMs, 'body timeout': bodyMs };
/** Room on top of a bound for a loaded two-core machine; far below the 124 s a stall cost before the deadline. */
const SLACK_MS = 5_000;
const LAYER_BYTES = 1024 * 1024;

describe('proxy: the fault matrix @real', function () {
  this.timeout(120_000);
  let registry: Registry;
  let faulty: FaultyUpstream;
  let cache: ProxyUnderTest;
  let containerd: Containerd;
  let hosts: TempDir;
  let baselineFds: string[];
  const rows: MatrixRow[] = [];
  const ctrRows: ContainerdRow[] = [];
  let cellNumber = 0;

  before(async function () {
    this.timeout(300_000);
    [registry, containerd, hosts] = await Promise.all([startRegistry(), startContainerd(), tempDir('berth-hosts')]);
    faulty = await startFaultyUpstream(registry.url);
    cache = await proxyWith([{ name: 'faults', registry: REGISTRY, upstream: faulty.url, default: true, tagTTL: '0s' }], { upstreamTimeouts: TIMEOUTS });
    // containerd talks to the proxy alone: its mirror and the registry's server both (a host it falls back to
    // would be looked up by name, outside this machine).
    await writeHostsToml(hosts.path, REGISTRY, [{ url: cache.proxy.url }], cache.proxy.url);
    // One clean pull first, so that what the proxy opens once (its index files) is open before the baseline.
    const warmUp = await pushHandmadeImage(registry.url, 'warm-up/app', 'v1', [randomBytes(1000)]);
    for (const path of ['manifests/v1', `blobs/${warmUp.layers[0]}`]) {
      assert.equal((await exchange(`${cache.proxy.url}/v2/${REGISTRY}/warm-up/app/${path}`)).status, 200);
    }
    baselineFds = await settledFds(cache.proxy.process.pid!, faulty);
  });
  after(async () => {
    const timeouts = resolveUpstreamTimeouts(TIMEOUTS);
    if (rows.length > 0) console.log(`\nThe fault matrix, as measured (timeouts ${JSON.stringify(TIMEOUTS)}):\n\n${renderMatrix(rows, { measured: true, timeouts })}\n`);
    if (ctrRows.length > 0) console.log(`containerd through the faulty upstream:\n\n${renderContainerd(ctrRows)}\n`);
    await containerd?.stop();
    await cache?.dispose();
    await faulty?.close();
    await Promise.all([registry?.stop(), hosts?.remove()]);
  });

  /** Reads `read` through the proxy; the outcome, how long it took, and whether a fault was injected meanwhile. */
  async function clientRead(read: Read) {
    const before = faulty.requests().length;
    const started = performance.now();
    const answer = await exchange(`${cache.proxy.url}${read.path}`, { headers: read.headers });
    const waitedMs = Math.round(performance.now() - started);
    const upstream = faulty.requests().slice(before).filter((r) => r.kind === read.kind);
    const faulted = upstream.some((r) => r.fault !== undefined);
    return { answer, waitedMs, outcome: outcomeOf(answer, read, faulted), asks: upstream.length };
  }

  /** No internal detail in an error body: no upstream address, store path or error code of the OS or HTTP client. */
  function assertNoInternalDetail(body: Buffer): void {
    const text = body.toString('utf8');
    for (const secret of [new URL(faulty.url).host, registry.host, cache.storage, 'UND_ERR', 'ECONN', 'ENOSPC', 'EPIPE', '/v2/']) {
      assert.ok(!text.includes(secret), `the error body shows ${secret}: ${text}`);
    }
  }

  async function runCell(s: Scenario, target: Target): Promise<MatrixRow> {
    const repository = `cells/c${++cellNumber}`;
    const layer = randomBytes(LAYER_BYTES);
    const image = await pushHandmadeImage(registry.url, repository, 'v1', [layer]);
    const read = readFor(target, REGISTRY, repository, image, layer);
    if (target === 'warm blob' || target === 'tag, cached') assert.equal((await clientRead(read)).outcome, 'ok', 'the warm-up read');

    faulty.inject({ kind: read.kind, fault: s.fault });
    const { answer, waitedMs, outcome, asks } = await clientRead(read);
    faulty.clear();
    const expected = s.expected[target];
    assert.equal(outcome, expected, `client saw ${outcome}${answer.error ? ` (${answer.error.message})` : ''}`);
    if (answer.status !== undefined && answer.status >= 400) assertNoInternalDetail(answer.body);
    if (s.fault.kind === 'status' && s.fault.retryAfter && answer.status === 429) assert.equal(answer.headers?.['retry-after'], s.fault.retryAfter);
    const bound = waitBound(s, target);
    assert.ok(waitedMs <= BOUND_MS[bound] + SLACK_MS, `waited ${waitedMs} ms, bound: ${bound}`);
    const wantAsks = expectedAsks(s, target);
    if (wantAsks !== undefined) assert.equal(asks, wantAsks, 'upstream requests of the faulted kind');

    // A failed download leaves nothing behind: its temp file goes before the client's connection is cut, but the
    // proxy may still be finishing up after a client that got its answer.
    await waitFor(async () => (await tempFiles(cache.storage)).length === 0, { what: 'the store\'s temp files to be gone', timeoutMs: 10_000 });
    const stored = read.digest ? await storedState(cache.storage, read.digest) : '—';
    assert.equal(stored, expectStored(expected, target), 'stored after the fault');

    const next = await clientRead(read);
    assert.equal(next.outcome, 'ok', 'the next pull, with the upstream healthy again');
    if (read.digest) assert.equal(await storedState(cache.storage, read.digest), 'yes', 'stored after the next pull');
    return { scenario: s.name, target, sees: outcome, bound, asks: wantAsks, stored, next: next.outcome, waitedMs };
  }

  describe('HTTP reads', () => {
    for (const s of SCENARIOS) {
      for (const target of TARGETS) {
        it(`${s.name} × ${target}: ${s.expected[target]}`, async () => void rows.push(await runCell(s, target)));
      }
    }
  });

  describe('containerd pulls (ctr --hosts-dir; the proxy is its mirror and the registry\'s server both)', () => {
    /** Pulls a fresh image (cold in the proxy) with `rule` on the blob GETs; what ctr ended with, and how long. */
    async function pullWith(s: Scenario, times: number | undefined): Promise<{ ref: string; layers: string[]; error?: Error; result: string; waitedMs: number }> {
      const image = await buildImage({ layerSizes: [300_000] });
      const ref = `${REGISTRY}/ctd/c${++cellNumber}:v1`;
      try {
        await pushImage(image, `${registry.host}/${ref.slice(REGISTRY.length + 1)}`);
        faulty.inject({ kind: 'blob', method: 'GET', fault: s.fault, ...(times ? { times } : {}) });
        const started = performance.now();
        const error = await containerd.pull(ref, { hostsDir: hosts.path }).then(() => undefined, (e: Error) => e);
        const waitedMs = Math.round(performance.now() - started);
        faulty.clear();
        return { ref, layers: image.layerDigests, waitedMs, result: error ? ctrSays(error) : 'pulled', ...(error ? { error } : {}) };
      } finally {
        faulty.clear();
        await image.dispose();
      }
    }

    /** ctr's own last word, without the proxy's port (it changes from run to run). */
    const ctrSays = (err: Error) => (err.message.split('\n').find((l) => l.startsWith('ctr: ')) ?? err.message).replace(/127\.0\.0\.1:\d+/g, 'PROXY');

    async function assertPulledWhole(ref: string): Promise<void> {
      assert.match(await containerd.ctr(['images', 'check']), new RegExp(`${ref.replace(/[.]/g, '\\.')}\\s.*complete`));
    }

    for (const s of SCENARIOS) {
      it(`${s.name}, every blob GET: ctr fails with an error and keeps no image; once the upstream heals, it pulls`, async () => {
        const pull = await pullWith(s, undefined);
        try {
          ctrRows.push({ scenario: s.name, faulted: 'every blob GET', result: pull.result, waitedMs: pull.waitedMs });
          assert.ok(pull.error, 'ctr pull failed');
          assert.match(pull.result, /^ctr: /, 'ctr says why');
          assert.ok(!(await containerd.ctr(['images', 'ls', '-q'])).includes(pull.ref), 'no image registered');
          const content = await containerd.ctr(['content', 'ls', '-q']);
          for (const layer of pull.layers) assert.ok(!content.includes(layer), `no content ${layer}`);
          await containerd.pull(pull.ref, { hostsDir: hosts.path });
          await assertPulledWhole(pull.ref);
        } finally {
          await containerd.forgetImages();
        }
      });

      it(`${s.name}, the first blob GET only: ctr ${s.containerdOnce}`, async () => {
        const pull = await pullWith(s, 1);
        try {
          ctrRows.push({ scenario: s.name, faulted: 'first blob GET', result: pull.result, waitedMs: pull.waitedMs });
          if (s.containerdOnce === 'pulls' || !pull.error) await assertPulledWhole(pull.ref);
          else assert.match(pull.result, /unexpected commit digest/, 'containerd refused bytes that do not match');
        } finally {
          await containerd.forgetImages();
        }
      });
    }
  });

  describe('after the matrix', () => {
    it('every stored file matches its digest, no temp file is left', async () => {
      assert.ok((await verifyStore(cache.storage)) > 0);
      assert.deepEqual(await tempFiles(cache.storage), []);
    });

    it('the proxy\'s open file descriptors are back to the baseline', async () => {
      await containerd.stop();
      const pid = cache.proxy.process.pid!;
      let now: string[] = [];
      try {
        await waitFor(async () => {
          faulty.disconnect();
          now = await openFds(pid);
          return now.length <= baselineFds.length;
        }, { what: 'the open fds to fall back to the baseline', timeoutMs: 20_000, intervalMs: 250 });
      } catch (err) {
        throw new Error(`${(err as Error).message}: baseline ${baselineFds.length} (${summarize(baselineFds)}), now ${now.length} (${summarize(now)})`);
      }
    });

    it('docs/reliability.md shows this matrix', async () => {
      const doc = await readFile(join(repoRoot(), 'docs/reliability.md'), 'utf8');
      assert.ok(doc.includes(renderMatrix(expectedRows())), 'docs/reliability.md lacks the table renderMatrix(expectedRows()) gives');
    });
  });
});

/** The fds of a process once its connections to the faulty upstream are gone and the count holds still. */
async function settledFds(pid: number, faulty: FaultyUpstream): Promise<string[]> {
  let last = -1;
  return waitFor(async () => {
    faulty.disconnect();
    const fds = await openFds(pid);
    const still = fds.length === last;
    last = fds.length;
    return still ? fds : undefined;
  }, { what: 'the proxy\'s open fds to hold still', intervalMs: 300 });
}

/** `socket:[…]` ×3, `/path/x` ×1: what kinds of fds a list holds. */
function summarize(fds: string[]): string {
  const counts = new Map<string, number>();
  for (const fd of fds) {
    const kind = fd.replace(/\[\d+\]$/, '[…]');
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k} ×${n}`).join(', ');
}
