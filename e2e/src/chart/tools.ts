// The Go-built tools the chart tests run (helm, kubeconform), from the cache e2e/toolchain/build.sh fills.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseVersionsEnv, toolchainDir } from '../cluster/layout.ts';

export interface ChartTools {
  helm: string;
  kubeconform: string;
}

export function chartTools(cache: string = process.env.BERTH_CACHE ?? join(homedir(), '.cache', 'berth')): ChartTools {
  const pins = parseVersionsEnv(readFileSync(join(toolchainDir(), 'versions.env'), 'utf8'));
  const tools = {
    helm: join(cache, 'bin', `helm-${pins.HELM_VERSION}`, 'helm'),
    kubeconform: join(cache, 'bin', `kubeconform-${pins.KUBECONFORM_VERSION}`, 'kubeconform'),
  };
  const missing = Object.values(tools).filter((p) => !existsSync(p));
  if (missing.length > 0) throw new Error(`not built: ${missing.join(', ')}; run e2e/toolchain/build.sh tools`);
  return tools;
}
