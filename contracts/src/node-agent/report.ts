// What a node agent reports about its node, and how the operator finds it: the agent writes one ConfigMap per node
// (berth-node-report-<node>, label berth.dev/node-report: "true", key report.json) and prints the same JSON for
// `--once` and `--check`; the operator sums the reports up into each project's NodeMirrorReady. The types live here
// so that the operator reads what the agent writes without installing the agent (which runs as root on nodes).
// Reports come from nodes of any agent version: fields added later are optional, and readers go by `state`.
import { createHash } from 'node:crypto';
import type { RuntimeName } from './config.ts';

export const REPORT_LABEL = 'berth.dev/node-report';
export const REPORT_KEY = 'report.json';

/** The containerd release lines whose registry rules the agent knows (node-agent/src/containerd/daemon-version.ts). */
export const CONTAINERD_LINES = ['1.x', '2.0', '2.1', '2.2'] as const;
export type ContainerdLine = (typeof CONTAINERD_LINES)[number];

export type ResultState = 'active' | 'pending' | 'skipped' | 'failed';

/** Whether pulls of the registry go through the cache: what `--once` and `--check` gate on. */
export type Verdict = 'mirrored' | 'not-mirrored' | 'unknown' | 'skipped';

export interface RuntimeResult {
  runtime: RuntimeName;
  /** active: in force; pending: written but not (yet) in force, or in force but not knowable; skipped; failed. */
  state: ResultState;
  /**
   * Configured, RestartRequired, NotApplied (--check), WriteFailed, NotDockerHub, NoRootMirror, and for containerd
   * ConfigPathUnset, ContainerdColonPath, LegacyMirrorsConfig, LegacyRegistryConfig, CriDisabled,
   * ContainerdConfigInvalid, ContainerdVersionUnknown, ContainerdTooOld, ContainerdTooNew.
   */
  reason: string;
  message: string;
  /** Always set by this agent; absent in reports of agents before it (read them by `state`). */
  verdict?: Verdict;
  /** One line a person can act on, when not mirrored. */
  fix?: string;
}

export interface RegistryResult {
  registry: string;
  project: string;
  results: RuntimeResult[];
}

export interface ApplyResult {
  /** Set by --check: `changed` and `restored` are what a run would change; nothing was written. */
  checkOnly?: true;
  runtimes: (DetectedRuntime & { restartRequired: boolean })[];
  registries: RegistryResult[];
  changed: string[];
  restored: string[];
  errors: string[];
}

export interface DetectedRuntime {
  name: RuntimeName;
  version?: string;
  /** How the agent knows the kubelet uses it: the Node object, the kubelet's endpoint, or files on the node
   *  (always set by this agent; absent in reports of older agents). */
  detectedBy?: 'node' | 'kubelet' | 'files';
  /** The file the agent read or merges into (a node path, without host-root). */
  configFile?: string;
  /** containerd: the directory the agent writes <registry>/hosts.toml into. */
  hostsDir?: string;
  /** containerd: what containerd does with CRI pulls under its effective configuration. */
  containerd?: ContainerdAssessment;
  /** containerd, for readers of older reports: the config_path in force, as written. */
  configPath?: string;
  /** containerd, for readers of older reports: hosts.toml is read at all. */
  configPathSet?: boolean;
  /** k3s / RKE2: where the runtime renders registries.yaml on start (to tell whether a restart is due). */
  renderedHostsDir?: string;
  /** k3s / RKE2: --disable-default-registry-endpoint is set (in the named file): no fallback unless listed. */
  defaultEndpointDisabled?: boolean;
  defaultEndpointFrom?: string;
  /** CRI-O: the registries.conf.d directory. */
  dropInDir?: string;
}

export type ContainerdVerdict = 'mirrored' | 'not-mirrored' | 'unknown' | 'not-used';

export interface ContainerdAssessment {
  verdict: ContainerdVerdict;
  /** Configured, ConfigPathUnset, ContainerdColonPath, LegacyMirrorsConfig, LegacyRegistryConfig, CriDisabled,
   *  ContainerdConfigInvalid, ContainerdVersionUnknown, ContainerdTooOld, ContainerdTooNew */
  reason: string;
  message: string;
  /** One line a person can act on; absent when mirrored. */
  fix?: string;
  /** The daemon's version from the Node object, and the release line whose rules applied. */
  daemonVersion?: string;
  line?: ContainerdLine;
  /** config.toml and its imports, in the order containerd reads them ([] when config.toml does not exist). */
  configFiles: string[];
  /** The highest `version` the files declare (0: none does). */
  configVersion: number;
  /** config_path as containerd uses it, and the file that set it ("default" for 2.2's built-in one). */
  configPath?: string;
  configPathFrom?: string;
  /** Where the agent writes <registry>/hosts.toml: the folder containerd looks in. */
  hostsDir: string;
  /** 2.1+: CRI pulls through the transfer service, or in-process (local), and why local. */
  pull?: 'local' | 'transfer';
  localPullBecause?: string[];
  /** Only when the daemon's version is unknown: what each release line that accepts the config would do. */
  lines?: Partial<Record<ContainerdLine, string>>;
}

/** The node as a whole: `--once` and `--check` exit with it (0 mirrored, 1 failed, 3 not mirrored, 4 unknown). */
export type NodeVerdict = 'mirrored' | 'not-mirrored' | 'unknown' | 'failed';

export interface NodeAgentReport extends ApplyResult {
  node?: string;
  time: string;
  /** The node as a whole; absent in reports of older agents. */
  verdict?: NodeVerdict;
  /** configHash of the agent config applied: the operator compares it with the one it rendered. */
  configHash: string;
}

/** Short hash of the agent config text; the operator computes the same over the ConfigMap data it writes. */
export function configHash(configText: string): string {
  return createHash('sha256').update(configText).digest('hex').slice(0, 16);
}

export function reportConfigMapName(node: string): string {
  return `berth-node-report-${node}`;
}
