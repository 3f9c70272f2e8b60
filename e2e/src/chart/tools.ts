// The Go-built tools the chart tests run (helm, kubeconform), from the cache e2e/toolchain/build.sh fills.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseVersionsEnv, toolchainDir } from '../cluster/layout.ts';

export type ChartTool = 'helm' | 'kubeconform';

export interface ChartTools {
  helm: string;
  kubeconform: string;
}

/** The pinned binary of one tool; an error names the command that builds it. */
export function toolPath(tool: ChartTool, cache: string = process.env.BERTH_CACHE ?? join(homedir(), '.cache', 'berth')): string {
  const pins = parseVersionsEnv(readFileSync(join(toolchainDir(), 'versions.env'), 'utf8'));
  const version = pins[tool === 'helm' ? 'HELM_VERSION' : 'KUBECONFORM_VERSION'];
  const path = join(cache, 'bin', `${tool}-${version}`, tool);
  if (!existsSync(path)) throw new Error(`${tool} is not built (${path}): run e2e/toolchain/build.sh tools`);
  return path;
}

export function chartTools(): ChartTools {
  return { helm: toolPath('helm'), kubeconform: toolPath('kubeconform') };
}

/** `--kube-version` of the pinned control plane (K8S_VERSION), for `helm template` and `helm lint`, which check the
 *  chart's kubeVersion without a cluster. Needed: a helm built by `go install` (e2e/toolchain/build.sh) lacks the
 *  release build's ldflags and assumes Kubernetes v1.20, which the chart's kubeVersion refuses. */
export function offlineKubeVersion(): string[] {
  const pins = parseVersionsEnv(readFileSync(join(toolchainDir(), 'versions.env'), 'utf8'));
  const version = pins.K8S_VERSION;
  if (!version) throw new Error('e2e/toolchain/versions.env pins no K8S_VERSION');
  return ['--kube-version', version];
}
