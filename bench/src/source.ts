// The code a run measured, for the report's header and for reading several runs of the same code together
// (runs/across-runs.ts): cold figures move ±0.15 between runs of one commit on this shared machine.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));

const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();

/**
 * The checked-out commit, with "+changes" when tracked files differ from it (the bench's own results aside: a run
 * writes them); undefined outside a git checkout.
 */
export function sourceCommit(): string | undefined {
  try {
    const commit = git('rev-parse', '--short=12', 'HEAD');
    const changed = git('status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)bench/results');
    return changed === '' ? commit : `${commit}+changes`;
  } catch {
    return undefined;
  }
}
