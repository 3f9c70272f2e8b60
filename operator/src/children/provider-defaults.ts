// What a RegistryEndpoint's provider implies: the upstream URL when the provider has a fixed one, the registry
// host that image references name, and Docker Hub's library/ rule for official images.
import type { Provider, RegistryEndpoint } from '../api/index.ts';

interface ProviderDefault {
  url?: string;
  registry?: string;
}

const DEFAULTS: Record<Provider, ProviderDefault> = {
  dockerhub: { url: 'https://registry-1.docker.io', registry: 'docker.io' },
  quay: { url: 'https://quay.io', registry: 'quay.io' },
  ghcr: { url: 'https://ghcr.io', registry: 'ghcr.io' },
  gcr: { url: 'https://gcr.io', registry: 'gcr.io' },
  // These have per-account hosts (ECR: <account>.dkr.ecr.<region>.amazonaws.com, ACR: <name>.azurecr.io): spec.url is required.
  ecr: {},
  acr: {},
  harbor: {},
  oci: {},
};

export interface ResolvedEndpoint {
  url: string;
  registry: string;
  libraryPrefix: boolean;
}

export class EndpointConfigError extends Error {
  override name = 'EndpointConfigError';
}

/** Applies provider defaults; throws EndpointConfigError when a provider without a default URL has none. */
export function resolveEndpoint(endpoint: RegistryEndpoint): ResolvedEndpoint {
  const provider = endpoint.spec.provider ?? 'oci';
  const defaults = DEFAULTS[provider] ?? {};
  const url = (endpoint.spec.url ?? defaults.url)?.replace(/\/+$/, '');
  if (!url) throw new EndpointConfigError(`spec.url is required for provider ${provider}: set it to the registry URL`);
  // A provider's own registry name wins over the URL's host: a Docker Hub endpoint with an explicit URL (a
  // regional mirror) still mirrors docker.io.
  const registry = defaults.registry ?? new URL(url).host.toLowerCase();
  return { url, registry, libraryPrefix: registry === 'docker.io' };
}
