// Carries a plan out on a node: writes what is wanted, restores what is no longer wanted, and tells for each
// registry and runtime whether the runtime now pulls through the cache or what still stands in the way.
import { dirname, join } from 'node:path';
import type { ApplyResult, DetectedRuntime, MirroredRegistry, NodeAgentConfig, RegistryResult, RuntimeName, RuntimeResult } from '@berth/contracts/node-agent';
import { detectRuntimes, type RuntimeHint } from './detect.ts';
import { CHECK_ONLY, NODE_WRITES, PRIVATE_FILE, readIfExists, sha256, type NodeWrites } from './files.ts';
import { entryId, loadManifest, saveManifest, type Manifest, type OwnedEntry } from './manifest.ts';
import { planNodeMirror, type DesiredEntry, type Plan } from './plan.ts';
import { mergeDaemonJson } from './render/docker.ts';
import { k3sAddsPublicFallback, k3sRenderedEndpoint, mergeYamlKeys, readYamlKey } from './render/k3s.ts';

export interface ApplyOptions {
  /** The node's / as the agent sees it (`/host` in the DaemonSet, `/` by hand, a temp dir in tests). */
  hostRoot: string;
  /** Node path of the agent's own state (manifest and backups). */
  stateDir: string;
  nodeLabels?: Record<string, string>;
  runtimeHint?: RuntimeHint;
  /** --check: change nothing on the node; report what would change and what is in force now. */
  checkOnly?: boolean;
}


export const DEFAULT_STATE_DIR = '/var/lib/berth/node-agent';

export async function applyNodeMirror(cfg: NodeAgentConfig, opts: ApplyOptions): Promise<ApplyResult> {
  const runtimes = await detectRuntimes(opts.hostRoot, opts.runtimeHint);
  const plan = planNodeMirror(cfg, runtimes, opts.nodeLabels);
  const manifest = await loadManifest(join(opts.hostRoot, opts.stateDir));
  const run: Run = { opts, io: opts.checkOnly ? CHECK_ONLY : NODE_WRITES, manifest, changed: [], restored: [], errors: [], failed: new Map() };
  await applyFiles(run, plan);
  await applyEntries(run, plan);
  if (!opts.checkOnly) await saveManifest(join(opts.hostRoot, opts.stateDir), manifest);
  const registries = await results(run, plan, runtimes);
  const pendingRestart = new Set(
    registries.flatMap((r) => r.results.filter((x) => x.reason === 'RestartRequired').map((x) => x.runtime)),
  );
  return {
    ...(opts.checkOnly ? { checkOnly: true as const } : {}),
    runtimes: runtimes.map((rt) => ({ ...rt, restartRequired: pendingRestart.has(rt.name) })),
    registries,
    changed: run.changed,
    restored: run.restored,
    errors: run.errors,
  };
}

interface Run {
  opts: ApplyOptions;
  io: NodeWrites;
  manifest: Manifest;
  changed: string[];
  restored: string[];
  errors: string[];
  /** "registry runtime" → the error that kept the agent from writing it. */
  failed: Map<string, string>;
}

const host = (run: Run, nodePath: string) => join(run.opts.hostRoot, nodePath);
const backups = (run: Run) => join(run.opts.hostRoot, run.opts.stateDir, 'backups');

async function applyFiles(run: Run, plan: Plan): Promise<void> {
  const wanted = new Set(plan.files.map((f) => f.path));
  for (const f of plan.files) {
    try {
      const current = await readIfExists(host(run, f.path));
      const owned = run.manifest.files[f.path];
      let backup = owned?.backup;
      if (owned === undefined && current !== undefined && current !== f.content) {
        backup = await run.io.backUp(host(run, f.path), f.path, backups(run));
      }
      if (current !== f.content) {
        await run.io.write(host(run, f.path), f.content);
        run.changed.push(f.path);
      }
      run.manifest.files[f.path] = { registry: f.registry, runtime: f.runtime, sha256: sha256(f.content), ...(backup ? { backup } : {}) };
    } catch (err) {
      fail(run, f.registry, f.runtime, `${f.path}: ${(err as Error).message}`);
    }
  }
  for (const [path, owned] of Object.entries(run.manifest.files)) {
    if (wanted.has(path)) continue;
    try {
      if (owned.backup !== undefined) await run.io.restore(owned.backup, host(run, path));
      else await run.io.remove(host(run, path));
      if (owned.runtime === 'containerd') await run.io.removeDirIfEmpty(dirname(host(run, path)));
      run.restored.push(path);
      delete run.manifest.files[path];
    } catch (err) {
      run.errors.push(`restoring ${path}: ${(err as Error).message}`);
    }
  }
}

async function applyEntries(run: Run, plan: Plan): Promise<void> {
  const files = new Set([...plan.entries.map((e) => e.file), ...run.manifest.entries.map((e) => e.file)]);
  for (const file of files) {
    const wanted = plan.entries.filter((e) => e.file === file);
    const owned = run.manifest.entries.filter((e) => e.file === file);
    try {
      const text = await readIfExists(host(run, file));
      const { next, entries } = mergeFile(text, wanted, owned);
      if (next !== (text ?? '')) {
        const m = run.manifest;
        if (text === undefined) m.createdFiles = [...new Set([...m.createdFiles, file])];
        else if (m.sharedBackups[file] === undefined && !m.createdFiles.includes(file)) {
          m.sharedBackups[file] = await run.io.backUp(host(run, file), file, backups(run));
        }
        if (next === '' && m.createdFiles.includes(file)) {
          await run.io.remove(host(run, file));
          m.createdFiles = m.createdFiles.filter((f) => f !== file);
        } else {
          // A registries.yaml the agent creates may later take the site's credentials: private from the start.
          await run.io.write(host(run, file), next, { newMode: file.endsWith('registries.yaml') ? PRIVATE_FILE : 0o644 });
        }
        run.changed.push(file);
      }
      const gone = owned.filter((o) => !entries.includes(o));
      if (gone.length > 0) run.restored.push(...new Set(gone.map((o) => `${o.file}#${o.key.join('.')}`)));
      run.manifest.entries = [...run.manifest.entries.filter((e) => e.file !== file), ...entries];
    } catch (err) {
      for (const w of wanted) fail(run, w.registry, w.runtime, `${file}: ${(err as Error).message}`);
      if (wanted.length === 0) run.errors.push(`restoring entries in ${file}: ${(err as Error).message}`);
    }
  }
}

/** Applies wanted entries and takes back owned ones no longer wanted; returns the text and what is now owned. */
function mergeFile(text: string | undefined, wanted: DesiredEntry[], owned: OwnedEntry[]): { next: string; entries: OwnedEntry[] } {
  const byId = new Map(owned.map((o) => [entryId(o), o]));
  const wantedIds = new Set(wanted.map(entryId));
  const dropped = owned.filter((o) => !wantedIds.has(entryId(o)));
  const entries: OwnedEntry[] = [];
  for (const w of wanted) {
    const before = byId.get(entryId(w));
    const previous = before ? before.previous : w.format === 'registries.yaml' ? siteValue(text, w.key, dropped) : undefined;
    entries.push({ file: w.file, key: w.key, registry: w.registry, runtime: w.runtime, value: w.value, ...(previous !== undefined ? { previous } : {}) });
  }
  if (wanted[0]?.format === 'daemon.json' || (wanted.length === 0 && owned[0]?.key[0] === 'registry-mirrors')) {
    let next = text;
    for (const o of owned) next = mergeDaemonJson(next, { remove: o.value as string });
    for (const e of entries) next = mergeDaemonJson(next, { add: e.value as string });
    if (next === '{}\n' && text === undefined) return { next: '', entries };
    // Keep the file byte for byte when nothing changed in substance (another tool may format it differently).
    const same = text !== undefined && next !== undefined && JSON.stringify(JSON.parse(text)) === JSON.stringify(JSON.parse(next));
    return { next: same ? text : (next ?? ''), entries };
  }
  const changes = [
    ...dropped.map((o) => ({ key: o.key, value: o.previous })),
    ...entries.map((e) => ({ key: e.key, value: e.value })),
  ];
  if (changes.length === 0) return { next: text ?? '', entries };
  // Re-serialising an unchanged document can still reformat it: only write when an owned value differs.
  const same = dropped.length === 0 && entries.every((e) => JSON.stringify(readYamlKey(text, e.key)) === JSON.stringify(e.value));
  return { next: same ? (text ?? '') : mergeYamlKeys(text, changes), entries };
}

/**
 * What the site had at `key` before the agent: under a key the agent owned and now gives back (an older agent's
 * whole configs.<host>), that is inside the value it restores, not what the agent itself wrote there.
 */
function siteValue(text: string | undefined, key: readonly string[], dropped: OwnedEntry[]): unknown {
  const outer = dropped.find((o) => o.key.length < key.length && o.key.every((k, i) => key[i] === k));
  if (outer === undefined) return readYamlKey(text, key);
  let value: unknown = outer.previous;
  for (const k of key.slice(outer.key.length)) {
    value = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[k] : undefined;
  }
  return value;
}

function fail(run: Run, registry: string, runtime: RuntimeName, message: string): void {
  run.failed.set(`${registry} ${runtime}`, message);
  run.errors.push(message);
}

async function results(run: Run, plan: Plan, runtimes: DetectedRuntime[]): Promise<RegistryResult[]> {
  const out: RegistryResult[] = [];
  for (const r of plan.registries) {
    const results: RuntimeResult[] = [];
    for (const rt of runtimes) {
      if (!r.runtimes.includes(rt.name)) continue;
      const skip = plan.skips.find((s) => s.registry === r.registry && s.runtime === rt.name);
      const failure = run.failed.get(`${r.registry} ${rt.name}`);
      if (skip) results.push({ runtime: rt.name, state: 'skipped', reason: skip.reason, message: skip.message, verdict: 'skipped' });
      else if (failure) results.push({ runtime: rt.name, state: 'failed', reason: 'WriteFailed', message: failure, verdict: 'not-mirrored' });
      else results.push(await effect(run, plan, r, rt));
    }
    out.push({ registry: r.registry, project: r.project, results });
  }
  return out;
}

/** Whether what was written is in force, or what the runtime still needs. */
async function effect(run: Run, plan: Plan, r: MirroredRegistry, rt: DetectedRuntime): Promise<RuntimeResult> {
  const { registry } = r;
  const endpoint = r.mirror + r.pathPrefix;
  const pending = (reason: string, message: string, fix?: string): RuntimeResult => ({
    runtime: rt.name, state: 'pending', reason, message, verdict: 'not-mirrored', ...(fix !== undefined ? { fix } : {}),
  });
  const written = [...plan.files, ...plan.entries].filter((x) => x.registry === registry && x.runtime === rt.name);
  const changedNow = written.some((x) => run.changed.includes('path' in x ? x.path : x.file));
  if (run.opts.checkOnly && changedNow) {
    const files = [...new Set(written.map((x) => ('path' in x ? x.path : x.file)))].filter((f) => run.changed.includes(f));
    return pending('NotApplied', `the agent has not written ${files.join(', ')} yet (--check writes nothing)`, 'run the node agent without --check');
  }
  const configured: RuntimeResult = { runtime: rt.name, state: 'active', reason: 'Configured', message: `pulls of ${registry} go through ${endpoint}`, verdict: 'mirrored' };
  switch (rt.name) {
    case 'containerd': {
      const a = rt.containerd;
      if (a === undefined || a.verdict === 'mirrored') return a === undefined ? configured : { ...configured, message: `${configured.message}: ${a.message}` };
      if (a.verdict === 'not-used') return { runtime: rt.name, state: 'skipped', reason: a.reason, message: a.message, verdict: 'skipped' };
      return { ...pending(a.reason, a.message, a.fix), verdict: a.verdict };
    }
    case 'k3s':
    case 'rke2': {
      // k3s renders registries.yaml into hosts.toml on start: what it rendered tells whether it runs with ours.
      const rendered = await readIfExists(host(run, join(rt.renderedHostsDir as string, registry, 'hosts.toml')));
      if (!k3sRenderedEndpoint(r, rendered)) {
        return pending('RestartRequired', `${rt.configFile} was updated: restart ${rt.name} so it renders the mirror into containerd's hosts.toml`, `systemctl restart ${rt.name === 'k3s' ? 'k3s (or k3s-agent)' : 'rke2-server (or rke2-agent)'}`);
      }
      const yaml = await readIfExists(host(run, rt.configFile as string));
      if (k3sAddsPublicFallback(r, { defaultEndpointDisabled: rt.defaultEndpointDisabled === true }, yaml)) {
        const why = rt.defaultEndpointDisabled
          ? `even with --disable-default-registry-endpoint, because ${rt.configFile} has configs.${registry}`
          : 'unless it runs with --disable-default-registry-endpoint';
        return { ...configured, message: `${configured.message}, then ${r.upstream}; ${rt.name} adds ${registry}'s own host as the last fallback ${why}` };
      }
      break;
    }
    case 'crio':
    case 'docker':
      if (changedNow) {
        return pending(
          'RestartRequired',
          `${rt.name === 'crio' ? 'CRI-O' : 'Docker'} reads registry settings on start: reload it (SIGHUP) or restart it`,
          rt.name === 'crio' ? 'systemctl reload crio' : 'systemctl restart docker',
        );
      }
      break;
  }
  return configured;
}
