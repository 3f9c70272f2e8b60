// distribution's pull-through cache: the Debian docker-registry with proxy.remoteurl, started by the e2e test bed.
import { startRegistry } from '@berth/e2e';
import type { Peer } from './peer.ts';

export async function startDistributionProxy(upstreamUrl: string): Promise<Peer> {
  const registry = await startRegistry({ proxyRemoteUrl: upstreamUrl });
  return { name: 'distribution', url: registry.url, host: registry.host, stop: () => registry.stop() };
}
