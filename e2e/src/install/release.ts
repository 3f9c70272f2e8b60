// Berth installed the way a user installs it: its own images pushed to a registry the node pulls from, then
// `helm upgrade --install --wait` with the image values, the operator running as a real container on the real
// node. The end-to-end suites and `./dev up` share this one path.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chartTools } from '../chart/tools.ts';
import type { Cluster } from '../cluster/index.ts';
import { pushBerthImages, type PushedImages } from '../images/berth-images.ts';
import { repoRoot } from '../testbed/repo.ts';

const exec = promisify(execFile);

export interface BerthRelease {
  release: string;
  namespace: string;
  images: PushedImages;
  helm(args: string[]): Promise<string>;
  uninstall(): Promise<void>;
}

/** `--set` values that point the chart at images in `registry` (host:port); tag and digest come from the push. */
export function imageValues(images: PushedImages): string[] {
  const [proxyRepo, proxyTag] = splitReference(images.proxy);
  const [operatorRepo, operatorTag] = splitReference(images.operator);
  return [
    `operator.image.repository=${operatorRepo}`,
    `operator.image.tag=${operatorTag}`,
    `proxy.image.repository=${proxyRepo}`,
    `proxy.image.tag=${proxyTag}`,
  ];
}

/** registry/name:tag → [registry/name, tag] (the port's colon is not the tag's). */
export function splitReference(ref: string): [string, string] {
  const at = ref.lastIndexOf(':');
  if (at < 0 || ref.slice(at).includes('/')) throw new Error(`image reference without a tag: ${ref}`);
  return [ref.slice(0, at), ref.slice(at + 1)];
}

export interface InstallOptions {
  release: string;
  namespace: string;
  /** more `--set` values, e.g. operator.extraArgs */
  set?: string[];
}

/** Builds (cached) and pushes Berth's images to the cluster's registry, then installs the chart and waits. */
export async function installBerth(cluster: Cluster, opts: InstallOptions): Promise<BerthRelease> {
  const images = await pushBerthImages(cluster.registry);
  const { helm: helmBin } = chartTools();
  const helm = async (args: string[]): Promise<string> =>
    (await exec(helmBin, [...args, '--kubeconfig', cluster.kubeconfig], { maxBuffer: 64 * 1024 * 1024 })).stdout;
  // The namespace first, placed on the real node: the chart's pods must run as containers, not on kwok.
  await cluster.realNodeNamespace(opts.namespace);
  const sets = [...imageValues(images), ...(opts.set ?? [])];
  await helm(['upgrade', '--install', opts.release, join(repoRoot(), 'charts', 'berth'), '-n', opts.namespace, '--wait', '--timeout', '5m', ...sets.flatMap((s) => ['--set', s])]).catch(async (err: Error) => {
    const pods = await cluster.kubectl(['get', 'pods', '-n', opts.namespace, '-o', 'wide']).catch(() => '');
    const events = await cluster.kubectl(['get', 'events', '-n', opts.namespace, '--sort-by=.lastTimestamp']).catch(() => '');
    throw new Error(`${err.message}\n${pods}\n${events.split('\n').slice(-15).join('\n')}`);
  });
  return {
    release: opts.release,
    namespace: opts.namespace,
    images,
    helm,
    uninstall: async () => {
      await helm(['uninstall', opts.release, '-n', opts.namespace, '--wait', '--timeout', '2m']).catch(() => undefined);
    },
  };
}
