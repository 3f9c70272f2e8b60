// The bench and the soak run the proxy's built dist, as production does: `tsc -b proxy` first, so a run measures
// the tree as it is (unless the caller was told `--no-build`).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { run } from './proc.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export async function buildProxy(): Promise<void> {
  const tsc = createRequire(`${repoRoot}package.json`).resolve('typescript/bin/tsc');
  await run(process.execPath, [tsc, '-b', 'proxy'], { cwd: repoRoot });
}
