// Does this node's containerd send CRI pulls of a mirrored registry through the hosts.toml the agent writes?
// Computed the way containerd computes it (load.ts → cri-images.ts → outcome.ts) for the release line of the
// running daemon, known from the Node object (containerd://x.y.z). When the version is not known, every line
// that would accept the config is tried: the answer stands when they agree, and is "unknown" (with what each
// line would do) when they do not — a version-2 file with a colon config_path is mirrored on 1.x and 2.0 but
// not on 2.1+, and only the daemon's version can tell.
import type { ConfigFiles } from './config-files.ts';
import { CONTAINERD_LINES, type ContainerdAssessment, type ContainerdLine } from '@berth/contracts/node-agent';
import { containerdLine, isTwoX } from './daemon-version.ts';
import { criImageSettings } from './cri-images.ts';
import { ContainerdConfigError, loadContainerdConfig, type LoadedConfig } from './load.ts';
import { lineOutcome, RECOMMENDED_HOSTS_DIR, type FixTarget, type LineOutcome } from './outcome.ts';

export const CONTAINERD_CONFIG_FILE = '/etc/containerd/config.toml';


interface LineResult {
  line: ContainerdLine;
  cfg?: LoadedConfig;
  configPath?: string;
  configPathFrom?: string;
  outcome?: LineOutcome;
  error?: ContainerdConfigError;
}

export async function assessContainerd(files: ConfigFiles, opts: { configFile?: string; daemonVersion?: string } = {}): Promise<ContainerdAssessment> {
  const main = opts.configFile ?? CONTAINERD_CONFIG_FILE;
  const daemon = containerdLine(opts.daemonVersion);
  const lines = daemon.kind === 'line' ? [daemon.line] : [...CONTAINERD_LINES];
  const results: LineResult[] = [];
  for (const line of lines) results.push(await evaluate(files, main, line, daemon.kind !== 'line'));
  const base = baseFacts(results, opts.daemonVersion);

  if (daemon.kind === 'too-old') {
    return { ...base, verdict: 'not-mirrored', reason: 'ContainerdTooOld', message: `containerd ${daemon.version} predates config_path (1.5): it never reads hosts.toml`, fix: 'upgrade containerd to 1.7 or later' };
  }
  if (daemon.kind === 'too-new') {
    return { ...base, verdict: 'unknown', reason: 'ContainerdTooNew', message: `containerd ${daemon.version} is newer than the releases whose registry rules the agent knows (1.5–2.x)` };
  }
  if (daemon.kind === 'line') return { ...base, line: daemon.line, ...single(results[0] as LineResult) };

  const accepted = results.filter((r) => r.outcome !== undefined);
  if (accepted.length === 0) {
    return { ...base, verdict: 'unknown', reason: 'ContainerdConfigInvalid', message: results.map((r) => `containerd ${r.line}: ${r.error?.message}`).join('; ') };
  }
  const lineSummary = Object.fromEntries(results.map((r) => [r.line, r.outcome ? describe(r.outcome) : `refuses the config (${r.error?.code})`]));
  const key = (r: LineResult) => outcomeKey(r.outcome as LineOutcome);
  const keys = new Set(accepted.map(key));
  const newest = accepted[accepted.length - 1] as LineResult;
  const names = accepted.map((r) => r.line).join(', ');
  if (keys.size === 1) {
    const agreed = single(newest, 'containerd');
    return { ...base, ...agreed, message: `${agreed.message} (on every containerd release that accepts this config: ${names}; the Node object names no version)`, lines: lineSummary };
  }
  const perLine = accepted.map((r) => `${r.line} ${describe(r.outcome as LineOutcome)}`).join('; ');
  if (accepted.every((r) => r.outcome?.verdict === 'not-mirrored')) {
    // Not mirrored whatever the release, for reasons that differ (1.x–2.1: config_path unset; 2.2: its colon
    // default): the reason most lines give, the oldest on a tie; the portable fix is the same for all.
    const count = (r: LineResult) => accepted.filter((x) => key(x) === key(r)).length;
    const top = accepted.reduce((best, r) => (count(r) > count(best) ? r : best));
    const chosen = single(top);
    return { ...base, ...chosen, message: `${chosen.message} (the Node object names no containerd version; per release: ${perLine})`, lines: lineSummary };
  }
  const fixFrom = [...accepted].reverse().find((r) => r.outcome?.verdict === 'not-mirrored')?.outcome;
  return {
    ...base,
    verdict: 'unknown',
    reason: 'ContainerdVersionUnknown',
    message: `the Node object names no containerd version, and this config behaves differently per release: ${perLine}`,
    ...(fixFrom?.verdict === 'not-mirrored' ? { fix: fixFrom.fix } : {}),
    lines: lineSummary,
  };
}

async function evaluate(files: ConfigFiles, main: string, line: ContainerdLine, portable: boolean): Promise<LineResult> {
  try {
    const cfg = await loadContainerdConfig(files, main, line);
    const settings = criImageSettings(cfg, line);
    const outcome = lineOutcome(settings, line, (file) => fixTarget(cfg, line, file ?? main, portable));
    return {
      line,
      cfg,
      outcome,
      ...(settings.configPath.value !== '' ? { configPath: settings.configPath.value, configPathFrom: settings.configPath.from ?? 'default' } : {}),
    };
  } catch (err) {
    if (err instanceof ContainerdConfigError) return { line, error: err };
    throw err;
  }
}

/**
 * The section a person writes registry settings under in `file`, which depends on that file's own version. With
 * the daemon's version unknown (`portable`) the fix must hold on every release: a version-2 file with the 1.x
 * section name does (2.x migrates it), unless the file is already version 3 (which only 2.x accepts anyway).
 */
function fixTarget(cfg: LoadedConfig, line: ContainerdLine, file: string, portable: boolean): FixTarget {
  const version = cfg.fileVersions[file] ?? 0;
  if (portable && version < 3) {
    return { file: version === 2 ? file : `${file} (with version = 2 at its top)`, section: 'io.containerd.grpc.v1.cri' };
  }
  if (isTwoX(line)) {
    if (version === 2) return { file, section: 'io.containerd.grpc.v1.cri' };
    // containerd 2.x reads a file without `version = 2` as version 1 and never migrates its CRI sections.
    return { file: version >= 3 ? file : `${file} (with version = 3 at its top)`, section: 'io.containerd.cri.v1.images' };
  }
  return { file, section: version >= 2 || cfg.version >= 2 ? 'io.containerd.grpc.v1.cri' : 'cri' };
}

function single(r: LineResult, who = `containerd ${r.line}`): Omit<ContainerdAssessment, 'configFiles' | 'configVersion' | 'hostsDir'> & { hostsDir?: string } {
  if (r.error || !r.outcome) {
    return { verdict: 'unknown', reason: 'ContainerdConfigInvalid', message: r.error?.message ?? 'unreadable config' };
  }
  const o = r.outcome;
  switch (o.verdict) {
    case 'mirrored':
      return {
        verdict: 'mirrored',
        reason: 'Configured',
        message: `${who} reads hosts.toml from ${o.hostsDir}${o.pull === 'local' && o.localPullBecause.length > 0 ? ` (CRI pulls run in-process because of ${o.localPullBecause.join(', ')})` : ''}`,
        hostsDir: o.hostsDir,
        ...(r.line === '2.1' || r.line === '2.2' ? { pull: o.pull, localPullBecause: o.localPullBecause } : {}),
      };
    case 'not-mirrored':
      return { verdict: 'not-mirrored', reason: o.reason, message: o.why, fix: o.fix };
    case 'not-used':
      return { verdict: 'not-used', reason: o.reason, message: o.why };
  }
}

function describe(o: LineOutcome): string {
  return o.verdict === 'mirrored' ? `pulls through hosts.toml in ${o.hostsDir}` : `does not (${o.reason})`;
}

function outcomeKey(o: LineOutcome): string {
  return o.verdict === 'mirrored' ? `mirrored ${o.hostsDir}` : `${o.verdict} ${o.reason}`;
}

/** What holds whatever the verdict: the files read, the config_path in force, and where hosts.toml goes. */
function baseFacts(results: LineResult[], daemonVersion: string | undefined): Pick<ContainerdAssessment, 'configFiles' | 'configVersion' | 'hostsDir' | 'configPath' | 'configPathFrom' | 'daemonVersion'> {
  const loaded = [...results].reverse().find((r) => r.cfg !== undefined);
  const withPath = [...results].reverse().find((r) => r.configPath !== undefined);
  const mirrored = [...results].reverse().find((r) => r.outcome?.verdict === 'mirrored')?.outcome;
  const hostsDir = mirrored?.verdict === 'mirrored' ? mirrored.hostsDir : (withPath?.configPath?.split(':').find((p) => p !== '') ?? RECOMMENDED_HOSTS_DIR);
  return {
    ...(daemonVersion !== undefined ? { daemonVersion } : {}),
    configFiles: loaded?.cfg?.files ?? [],
    configVersion: loaded?.cfg ? Math.max(0, ...Object.values(loaded.cfg.fileVersions)) : 0,
    hostsDir,
    ...(withPath?.configPath !== undefined ? { configPath: withPath.configPath, configPathFrom: withPath.configPathFrom as string } : {}),
  };
}
