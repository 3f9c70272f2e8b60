// The repository root, found from this file wherever it runs from (src/ under tsx, dist/src/ when built).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('not inside the Berth repository (no pnpm-workspace.yaml above)');
    dir = parent;
  }
  return dir;
}
