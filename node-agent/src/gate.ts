// The node as a whole, for scripts that provision nodes: `--once` and `--check` exit with the node's verdict, so
// `berth-proxy node-agent --check … || exit 1` refuses to hand out a node whose pulls skip the cache.
//   0  every registry the node should mirror goes through the cache (or none applies to this node)
//   1  the agent failed: a write, a restore, its config (see `errors`)
//   3  not mirrored: some runtime does not pull through the cache yet (restart due, config_path unset, …)
//   4  unknown: nothing is known to be wrong, but the agent cannot tell for some runtime (e.g. the containerd
//      version decides and the Node object does not name it)
// 2 stays the usage error of the CLI. Results a runtime cannot take by design (Docker and a registry other than
// Docker Hub) are skipped, not failures: they would hold every such node back forever.
import type { ApplyResult, NodeVerdict, RuntimeResult, Verdict } from '@berth/contracts/node-agent';

export const EXIT_CODES: Record<NodeVerdict, number> = { mirrored: 0, failed: 1, 'not-mirrored': 3, unknown: 4 };

/** A result's verdict; reports of older agents carry only `state`. */
export function resultVerdict(r: RuntimeResult): Verdict {
  if (r.verdict !== undefined) return r.verdict;
  return r.state === 'active' ? 'mirrored' : r.state === 'skipped' ? 'skipped' : 'not-mirrored';
}

export function nodeVerdict(result: ApplyResult): NodeVerdict {
  if (result.errors.length > 0) return 'failed';
  if (result.registries.length > 0 && result.runtimes.length === 0) return 'not-mirrored';
  const verdicts = result.registries.flatMap((r) => r.results.map(resultVerdict));
  if (verdicts.includes('not-mirrored')) return 'not-mirrored';
  if (verdicts.includes('unknown')) return 'unknown';
  return 'mirrored';
}

export function exitCode(result: ApplyResult): number {
  return EXIT_CODES[nodeVerdict(result)];
}
