// distribution's pull-through cache: the Debian docker-registry with proxy.remoteurl, started by the e2e test bed.
import { dirname } from 'node:path';
import { startRegistry, type Registry } from '@berth/e2e';
import { findChild } from '../procfs/process-tree.ts';
import type { Peer } from './peer.ts';

/**
 * The docker-registry process of a registry the test bed started from this process (its command line names its
 * config, inside the registry's own temp dir): its CPU and memory are read from /proc under load.
 */
export async function registryPid(registry: Registry): Promise<number | undefined> {
  return findChild(process.pid, ['docker-registry', dirname(registry.dataDir)]);
}

export async function startDistributionProxy(upstreamUrl: string): Promise<Peer> {
  const registry = await startRegistry({ proxyRemoteUrl: upstreamUrl });
  return { name: 'distribution', url: registry.url, host: registry.host, pid: await registryPid(registry), stop: () => registry.stop() };
}
