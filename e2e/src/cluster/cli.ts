// `pnpm cluster up [--containerd system|1.7|2.1|2.2] | down | status`: the local Kubernetes control plane of the
// test bed; --containerd picks the real node's containerd (Debian's 1.6 by default; BERTH_CONTAINERD does the same).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { clusterLayout, requireBinaries, toolchainDir, type Binaries } from './layout.ts';
import { chosenContainerd, down, up } from './lifecycle.ts';
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

/** `--containerd 2.1` (or =2.1): the real node's containerd, for `up` and the tests it runs (BERTH_CONTAINERD). */
function chooseContainerd(args: string[]): void {
  const at = args.findIndex((a) => a === '--containerd' || a.startsWith('--containerd='));
  if (at < 0) return;
  const arg = args[at] as string;
  process.env.BERTH_CONTAINERD = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : (args[at + 1] ?? '');
  if (!existsSync(chosenContainerd().command)) execFileSync(join(toolchainDir(), 'build.sh'), ['containerd'], { stdio: 'inherit' });
}

async function main(argv: string[]): Promise<number> {
  const layout = clusterLayout();
  switch (argv[0]) {
    case 'up': {
      chooseContainerd(argv.slice(1));
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
      console.error('usage: pnpm cluster up [--containerd system|1.7|2.1|2.2] | down | status');
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
