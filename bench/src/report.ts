// The markdown a run prints and writes to bench/results/latest.md: figures per measure, the ratios that matter
// (Berth / distribution, Berth / nginx, Berth / direct), what limited each figure, and issue 12's targets.
import { limitOf } from './limits.ts';
import type { CachePulls } from './measures/kubelet-pull.ts';
import type { LoadFigures } from './procfs/load-watch.ts';
import type { BenchResults, CachePeerName, PullPeerName, RateFigures, WarmBlobFigures } from './results.ts';
import { checkTargets, layerName } from './targets.ts';

const MB = 1e6;
const MiB = 1024 * 1024;

/** Three significant-ish digits: 1234 → "1234", 12.34 → "12.3", 1.234 → "1.23". */
export function formatNumber(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  if (Math.abs(value) >= 100) return Math.round(value).toString();
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function formatRatio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || b === 0) return '—';
  return `${(a / b).toFixed(2)}×`;
}

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const serverName: Record<CachePeerName | PullPeerName, string> = { berth: 'Berth', distribution: 'distribution', nginx: 'nginx', direct: 'upstream' };
const cachePeers: CachePeerName[] = ['berth', 'distribution', 'nginx'];
const pullPeers: PullPeerName[] = ['direct', 'berth', 'distribution'];

function rate(f: RateFigures | undefined): string {
  return f ? `${formatNumber(f.requestsPerSecond)} (${formatNumber(f.p50Ms)} / ${formatNumber(f.p99Ms)})` : '—';
}

/** A row of the figures a load was watched for, led by `cells` (which peer, which load). */
interface LimitRow {
  cells: string[];
  load: LoadFigures | undefined;
  server: string;
  clients: string;
}

/** The "what limits it" table beside a measure's table. */
function limitsTable(lead: string[], rows: LimitRow[]): string {
  const measured = rows.filter((r): r is LimitRow & { load: LoadFigures } => r.load !== undefined);
  return table(
    [...lead, 'limited by', 'server CPU, cores (busiest thread)', 'clients CPU, cores', 'disk reads, MB', 'server peak RSS, MiB'],
    measured.map(({ cells, load, server, clients }) => [
      ...cells,
      limitOf(load, server, clients),
      load.serverCores === undefined ? '—' : `${load.serverCores.toFixed(2)} (${(load.busiestThreadCores ?? 0).toFixed(2)})`,
      load.clientCores.toFixed(2),
      formatNumber(load.diskReadBytes === undefined ? undefined : load.diskReadBytes / MB),
      formatNumber(load.peakRssBytes === undefined ? undefined : load.peakRssBytes / MiB),
    ]),
  );
}

function warmBlobSection(layer: WarmBlobFigures): string[] {
  const size = layerName(layer.layerBytes);
  const title = layer.hotMemory
    ? `### What the hot-memory cache adds for small layers: warm blob GET, ${size} layer, MB/s`
    : `### Warm blob GET, ${size} layer, MB/s`;
  const clients = Object.keys(layer.peers.berth ?? layer.peers.nginx ?? layer.peers.distribution ?? {});
  const parts = [title];
  if (layer.hotMemory) {
    parts.push('Berth keeps blobs up to 16 MiB in memory, so this layer never touches its files: not a target, and not what real layers get.');
  }
  parts.push(
    table(
      ['clients', 'Berth', 'distribution', 'nginx', 'Berth / distribution', 'Berth / nginx'],
      clients.map((c) => {
        const [b, d, n] = cachePeers.map((p) => layer.peers[p]?.[c]?.megabytesPerSecond);
        return [c, formatNumber(b), formatNumber(d), formatNumber(n), formatRatio(b, d), formatRatio(b, n)];
      }),
    ),
  );
  parts.push(`What limits it (${size} layer):`);
  parts.push(
    limitsTable(
      ['peer', 'clients'],
      cachePeers.flatMap((p) => clients.map((c) => ({ cells: [serverName[p], c], load: layer.peers[p]?.[c]?.load, server: serverName[p], clients: 'wrk' }))),
    ),
  );
  return parts;
}

function concurrentSection(r: BenchResults): string[] {
  const cp = r.concurrentPulls;
  if (!cp) return [];
  const rss = (l: LoadFigures) => formatNumber(l.peakRssBytes === undefined ? undefined : l.peakRssBytes / MiB);
  return [
    `### ${cp.pulls} concurrent pulls of a ${layerName(cp.blobBytes)} layer through Berth (curl): cold, then warm from the same Berth`,
    table(
      ['', 'cold', 'warm', 'cold / warm'],
      [
        ['wall time, s', formatNumber(cp.cold.seconds), formatNumber(cp.warm.seconds), formatRatio(cp.cold.seconds, cp.warm.seconds)],
        ['upstream GETs of the layer', String(cp.upstreamGets), '—', ''],
        ['Berth peak RSS, MiB', rss(cp.cold), rss(cp.warm), ''],
      ],
    ),
    'What limits it:',
    limitsTable(['pulls'], (['cold', 'warm'] as const).map((k) => ({ cells: [k], load: cp[k], server: 'Berth', clients: 'curl' }))),
  ];
}

const storeName = { volume: 'volume', s3: 'S3, streamed through the cache', 's3-redirect': 'S3, clients redirected to presigned URLs' } as const;

function storageSection(r: BenchResults): string[] {
  const st = r.storage;
  if (!st) return [];
  const base = st.rows.find((row) => row.peer === 'berth' && row.store === 'volume');
  const cores = (n: number | undefined) => (n === undefined ? '—' : n.toFixed(2));
  return [
    `### Where the store lives: a volume or S3-compatible object storage (versitygw on this machine)`,
    `A cold skopeo pull of the ${layerName(st.imageBytes)} image through a fresh instance, then ${st.clients} clients downloading its ` +
      `${layerName(st.layerBytes)} layer at once, warm (curl, following redirects), round after round. The object store runs on the ` +
      'same two cores: its CPU is in its own column, and counts under "other" in the limits table.',
    table(
      ['cache', 'store', 'cold pull, s', 'warm, MB/s', 'cold / Berth on a volume', 'warm / Berth on a volume', 'object store CPU, cores (cold / warm)'],
      st.rows.map((row) => [
        serverName[row.peer], storeName[row.store], formatNumber(row.coldSeconds), formatNumber(row.warmMegabytesPerSecond),
        formatRatio(row.coldSeconds, base?.coldSeconds), formatRatio(row.warmMegabytesPerSecond, base?.warmMegabytesPerSecond),
        row.storeCores ? `${cores(row.storeCores.cold)} / ${cores(row.storeCores.warm)}` : '—',
      ]),
    ),
    'What limits it:',
    limitsTable(
      ['cache', 'store', 'load'],
      st.rows.flatMap((row) => (['cold', 'warm'] as const).map((k) => ({
        cells: [serverName[row.peer], storeName[row.store], k], load: row[k], server: serverName[row.peer], clients: k === 'cold' ? 'skopeo' : 'curl',
      }))),
    ),
  ];
}

/** The bare Node server's manifest load, and Berth's by-digest figure as a share of it. */
function machineCheck(bare: RateFigures, berth: RateFigures | undefined): string {
  const share = berth ? `; Berth by digest made ${formatRatio(berth.requestsPerSecond, bare.requestsPerSecond)} of it` : '';
  return `Machine check: a bare Node server (node:http on one thread, answering the same manifest bytes and nothing else) ` +
    `made ${rate(bare)} under the same load${share}. The machine's speed for request-bound work moves between runs; this share moves less.`;
}

function kubeletSection(r: BenchResults): string[] {
  const k = r.kubeletPull;
  const title = `### The real node's kubelet pulling the ${k ? layerName(k.imageBytes) : '200 MB'} image, seconds ("Successfully pulled … in X")`;
  if (!k) {
    return [title, 'Not measured in this run (a quick run leaves it out unless `--only kubelet`; a failure is listed below).'];
  }
  const through = (cache: string, pulls: CachePulls) =>
    [cache, formatNumber(k.direct), formatNumber(pulls.cold), formatNumber(pulls.warm), formatRatio(pulls.cold, k.direct), formatRatio(pulls.warm, k.direct)];
  const rows = [through('Berth', k), ...(k.distribution ? [through('distribution', k.distribution)] : [])];
  return [
    title,
    table(['through', 'direct', 'cold', 'warm', 'cold / direct', 'warm / direct'], rows),
    `Median of ${k.runs} pull(s) each, after one direct pull that is not counted (the node settling); each round pulls direct, then ` +
      'through a fresh instance of each cache (cold, then warm), which serves one other image before its cold pull. The caches run on ' +
      "the host, the node's containerd reaches them on loopback.",
  ];
}

export function renderReport(r: BenchResults): string {
  const m = r.machine;
  const parts: string[] = [];
  parts.push(`## Bench ${r.date.slice(0, 10)}${r.quick ? ' (quick run: not a record)' : ''}`);
  if (r.quick && r.quickNote) parts.push(`Quick run: ${r.quickNote}.`);
  parts.push(
    `${r.commit ? `Commit ${r.commit}. ` : ''}Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}; ` +
      `run took ${Math.round(r.seconds)} s, each wrk load ${r.loadSeconds} s. Shared machine: compare the ratios, absolute figures drift.`,
  );
  parts.push(
    'Every "what limits it" table is read from the kernel while the load ran: CPU cores used by the server\'s processes ' +
      '(and by its busiest thread — one JavaScript thread at a full core is where a Node server stops), by the clients ' +
      '(wrk, curl, skopeo, containerd), by the kernel\'s softirqs (the loopback\'s packet work), by the bench process, ' +
      'and "other": whatever else ran on the shared machine; the server\'s reads from disk (page-cache hits are ' +
      'free), and the sum of its processes\' VmRSS sampled every 100 ms.',
  );

  const targetLayers = r.warmBlob.filter((l) => !l.hotMemory);
  for (const layer of [...targetLayers, ...r.warmBlob.filter((l) => l.hotMemory)]) parts.push(...warmBlobSection(layer));

  parts.push('### Warm manifest GET, 64 clients: requests/s (p50 / p99 ms)');
  parts.push(
    table(
      ['by', 'Berth', 'distribution', 'nginx', 'Berth / distribution', 'Berth / nginx'],
      (['tag', 'digest'] as const).map((ref) => {
        const [b, d, n] = cachePeers.map((p) => r.manifest[p]?.[ref]);
        return [ref, rate(b), rate(d), rate(n), formatRatio(b?.requestsPerSecond, d?.requestsPerSecond), formatRatio(b?.requestsPerSecond, n?.requestsPerSecond)];
      }),
    ),
  );
  if (r.manifestBareNode) parts.push(machineCheck(r.manifestBareNode, r.manifest.berth?.digest));
  parts.push('What limits it:');
  parts.push(
    limitsTable(
      ['peer', 'by'],
      cachePeers.flatMap((p) => (['tag', 'digest'] as const).map((ref) => ({ cells: [serverName[p], ref], load: r.manifest[p]?.[ref].load, server: serverName[p], clients: 'wrk' }))),
    ),
  );

  parts.push('### Cold pull of the 200 MB image, seconds (fresh cache per pull, median run)');
  if (r.coldPullRuns !== undefined) {
    parts.push(
      `Median of ${r.coldPullRuns} round${r.coldPullRuns === 1 ? '' : 's'}; each round pulls through every peer in turn (direct, Berth, distribution), ` +
        'each cache a fresh instance with empty storage that has served one other image first (a running cache meeting a new image).',
    );
  }
  parts.push(
    table(
      ['client', 'direct', 'Berth', 'distribution', 'Berth / direct', 'Berth / distribution'],
      (['skopeo', 'containerd'] as const).map((client) => {
        const [up, b, d] = pullPeers.map((p) => r.coldPull[p]?.[client].seconds);
        return [client, formatNumber(up), formatNumber(b), formatNumber(d), formatRatio(b, up), formatRatio(b, d)];
      }),
    ),
  );
  parts.push('What limits it (the server is the cache, or the upstream registry for a direct pull):');
  parts.push(
    limitsTable(
      ['peer', 'client'],
      pullPeers.flatMap((p) => (['skopeo', 'containerd'] as const).map((c) => ({ cells: [serverName[p], c], load: r.coldPull[p]?.[c].load, server: serverName[p], clients: c }))),
    ),
  );

  parts.push(...concurrentSection(r));
  parts.push(...storageSection(r));
  parts.push(...kubeletSection(r));

  parts.push('### Targets (issue 12)');
  parts.push(
    table(
      ['target', 'measured', 'met'],
      checkTargets(r).map((t) => [t.target, t.figure, t.met === 'figure' ? 'figure only' : t.met === undefined ? 'not measured' : t.met ? 'yes' : 'no']),
    ),
  );
  if (r.failures.length > 0) {
    parts.push('### Failed measures');
    parts.push(r.failures.map((f) => `- ${f}`).join('\n'));
  }
  return `${parts.join('\n\n')}\n`;
}
