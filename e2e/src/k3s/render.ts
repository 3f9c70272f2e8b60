// What a k3s agent makes of a registries.yaml, by k3s's own code: e2e/toolchain/k3s-hosts calls k3s v1.32's
// SetupContainerdConfig, which writes config.toml and the hosts.toml tree under certs.d as k3s does on start.
import { join } from 'node:path';
import { run } from '../testbed/run.ts';
import { k3sHostsBinary } from '../testbed/toolchain.ts';

export interface K3sRenderOptions {
  /** The registries.yaml to load (k3s's --private-registry). */
  registries: string;
  /** Where k3s keeps containerd's config: <data-dir>/agent/etc/containerd on a node. */
  out: string;
  /** k3s's --disable-default-registry-endpoint. */
  disableDefaultEndpoint?: boolean;
}

export interface K3sRendered {
  /** The config.toml k3s wrote (its CRI registry section names certsDir as config_path). */
  configToml: string;
  /** The hosts.toml tree: what containerd's config_path (or `ctr --hosts-dir`) should point at. */
  certsDir: string;
}

/** Renders as k3s would; rejects when k3s's loader refuses the file or it holds keys k3s would silently ignore. */
export async function renderAsK3s(opts: K3sRenderOptions): Promise<K3sRendered> {
  const flags = opts.disableDefaultEndpoint ? ['--disable-default-registry-endpoint'] : [];
  await run(k3sHostsBinary(), ['--registries', opts.registries, '--out', opts.out, ...flags]);
  return { configToml: join(opts.out, 'config.toml'), certsDir: join(opts.out, 'certs.d') };
}
