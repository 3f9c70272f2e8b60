import assert from 'node:assert/strict';
import { resolveEndpoint, EndpointConfigError } from './provider-defaults.ts';
import type { RegistryEndpoint, RegistryEndpointSpec } from '../api/index.ts';

const ep = (spec: RegistryEndpointSpec): RegistryEndpoint => ({ metadata: { name: 'e' }, spec });

describe('provider defaults', () => {
  const table: [RegistryEndpointSpec, string, string, boolean][] = [
    [{ provider: 'dockerhub' }, 'https://registry-1.docker.io', 'docker.io', true],
    [{ provider: 'dockerhub', url: 'https://mirror.example.com/' }, 'https://mirror.example.com', 'docker.io', true],
    [{ provider: 'quay' }, 'https://quay.io', 'quay.io', false],
    [{ provider: 'ghcr' }, 'https://ghcr.io', 'ghcr.io', false],
    [{ provider: 'gcr' }, 'https://gcr.io', 'gcr.io', false],
    [{ provider: 'ecr', url: 'https://1234.dkr.ecr.eu-west-1.amazonaws.com' }, 'https://1234.dkr.ecr.eu-west-1.amazonaws.com', '1234.dkr.ecr.eu-west-1.amazonaws.com', false],
    [{ provider: 'acr', url: 'https://me.azurecr.io' }, 'https://me.azurecr.io', 'me.azurecr.io', false],
    [{ provider: 'harbor', url: 'https://harbor.example.com' }, 'https://harbor.example.com', 'harbor.example.com', false],
    [{ provider: 'oci', url: 'http://127.0.0.1:5001' }, 'http://127.0.0.1:5001', '127.0.0.1:5001', false],
  ];
  for (const [spec, url, registry, libraryPrefix] of table) {
    it(`${spec.provider} ${spec.url ?? ''} → ${url}, ${registry}`, () => {
      assert.deepEqual(resolveEndpoint(ep(spec)), { url, registry, libraryPrefix });
    });
  }

  it('asks for spec.url when the provider has no default', () => {
    assert.throws(() => resolveEndpoint(ep({ provider: 'harbor' })), (e: Error) => e instanceof EndpointConfigError && /spec\.url is required for provider harbor/.test(e.message));
  });
});
