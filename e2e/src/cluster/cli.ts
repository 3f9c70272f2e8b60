// `pnpm cluster up|down|status`: the local Kubernetes control plane of the test bed.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { clusterLayout, requireBinaries, toolchainDir, type Binaries } from './layout.ts';
import { down, up } from './lifecycle.ts';
import { clusterStatus, formatStatus } from './status.ts';

/** The CLI builds what is missing (idempotent; seconds when cached) where the test helpers only complain. */
function ensureBinaries(): Binaries {
  try {
    return requireBinaries();
  } catch {
    for (const what of ['etcd', 'kwok', 'pause', 'k8s']) execFileSync(join(toolchainDir(), 'build.sh'), [what], { stdio: 'inherit' });
    return requireBinaries();
  }
}

async function main(argv: string[]): Promise<number> {
  const layout = clusterLayout();
  switch (argv[0]) {
    case 'up': {
      const started = Date.now();
      const { alreadyUp } = await up(layout, ensureBinaries());
      console.log(alreadyUp ? 'already up' : `up in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      console.log(formatStatus(await clusterStatus(layout)));
      return 0;
    }
    case 'down': {
      const stopped = await down(layout);
      console.log(stopped.length > 0 ? `stopped ${stopped.join(', ')}` : 'nothing was running');
      return 0;
    }
    case 'status': {
      const status = await clusterStatus(layout);
      console.log(formatStatus(status));
      return status.ready || !status.recorded ? 0 : 1;
    }
    default:
      console.error('usage: pnpm cluster up|down|status');
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
