// Paths of the Go-built test tools that e2e/toolchain/build.sh keeps outside the work tree, keyed by version.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './repo.ts';

/** The pinned versions from e2e/toolchain/versions.env. */
export function toolchainVersions(): Record<string, string> {
  const text = readFileSync(join(repoRoot(), 'e2e/toolchain/versions.env'), 'utf8');
  const versions: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(\S+)/.exec(line);
    if (match) versions[match[1]!] = match[2]!;
  }
  return versions;
}

export function toolchainBinDir(): string {
  return join(process.env.BERTH_CACHE ?? join(homedir(), '.cache/berth'), 'bin');
}

/** The compiled OCI distribution-spec conformance suite; throws how to build it when it is missing. */
export function conformanceBinary(): string {
  const path = join(toolchainBinDir(), `oci-conformance-${toolchainVersions().CONFORMANCE_COMMIT}`, 'conformance.test');
  if (!existsSync(path)) throw new Error(`no OCI conformance suite at ${path}: run e2e/toolchain/build.sh conformance`);
  return path;
}

/** k3s-hosts (e2e/toolchain/k3s-hosts): k3s's own agent code rendering hosts.toml; throws how to build it when missing. */
export function k3sHostsBinary(): string {
  const path = join(toolchainBinDir(), `k3s-hosts-${toolchainVersions().K3S_VERSION}`, 'k3s-hosts');
  if (!existsSync(path)) throw new Error(`no k3s-hosts at ${path}: run e2e/toolchain/build.sh k3s`);
  return path;
}
