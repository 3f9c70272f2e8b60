// A Berth package's own version, from its package.json: found by walking up from the calling module, which runs
// from src/ in development and from dist/src/ in the images (pnpm deploy keeps package.json at the package's root).
// Shared by the proxy and the operator (as @berth/contracts/build-info) for build_info metrics, --version and the
// operator's default proxy image tag.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const found = new Map<string, string>();

/** The version in the nearest package.json named `name` above `from` (a module's import.meta.url); '0.0.0' if none. */
export function packageVersion(name: string, from: string | URL): string {
  const known = found.get(name);
  if (known) return known;
  for (let dir = dirname(fileURLToPath(from)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === name && pkg.version) {
      found.set(name, pkg.version);
      return pkg.version;
    }
  }
  return '0.0.0';
}
