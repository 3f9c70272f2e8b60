// RegistryEndpoint reconcile: read the endpoint from the watch's cache, resolve provider defaults, read the
// referenced Secrets (from the apiserver: no cache keeps Secret data), probe the upstream, write
// status (Ready, lastProbeTime, rate limit, observedGeneration), and probe again periodically — sooner when it
// failed. Level-based: each run looks at the object as it is now, whatever event queued it.
import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import { API_VERSION, REGISTRY_ENDPOINT, type RegistryEndpoint, type RegistryEndpointStatus } from '../api/index.ts';
import { EndpointConfigError, resolveEndpoint } from '../children/provider-defaults.ts';
import { SecretShapeError } from '../children/inputs.ts';
import { findCondition, mergeConditions, type ConditionInput } from '../kube/conditions.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import type { ObjectCache } from '../kube/object-cache.ts';
import type { Prober, ProbeInput } from './registry-probe.ts';
import { credentialsFromSecret } from './secret-credentials.ts';
import type { HandlerResult } from '../kube/workqueue.ts';
import type { Logger } from '../observe/logger.ts';

export interface EndpointReconcilerDeps {
  kube: KubeClient;
  /** The endpoints' watch. */
  endpoints: ObjectCache<RegistryEndpoint>;
  probe: Prober;
  log: Logger;
  now?: () => Date;
  /** How often a healthy endpoint is probed again. */
  probeIntervalMs?: number;
  /** How soon a failing endpoint is probed again. */
  retryIntervalMs?: number;
}

export function endpointReconciler(deps: EndpointReconcilerDeps): (namespace: string, name: string) => Promise<HandlerResult> {
  const now = deps.now ?? (() => new Date());
  const healthyMs = deps.probeIntervalMs ?? 5 * 60_000;
  const failingMs = deps.retryIntervalMs ?? 30_000;

  return async (namespace, name) => {
    const ref = { apiVersion: API_VERSION, kind: REGISTRY_ENDPOINT.kind, namespace, name };
    const endpoint = deps.endpoints.get(name, namespace);
    if (!endpoint || endpoint.metadata.deletionTimestamp) return {};
    const outcome = await evaluate(endpoint);
    const at = now();
    const generation = endpoint.metadata.generation ?? 0;
    const status: RegistryEndpointStatus = {
      observedGeneration: generation,
      ...(outcome.url ? { url: outcome.url } : {}),
      lastProbeTime: at.toISOString(),
      ...(outcome.rateLimit ? { rateLimit: outcome.rateLimit } : {}),
      conditions: mergeConditions(endpoint.status?.conditions, [outcome.ready], generation, at),
    };
    const before = findCondition(endpoint.status?.conditions, 'Ready');
    await deps.kube.patchStatus({ ...ref, plural: REGISTRY_ENDPOINT.plural }, status);
    if (!before || before.status !== outcome.ready.status || (outcome.ready.status !== 'True' && before.reason !== outcome.ready.reason)) {
      deps.log.info('endpoint readiness changed', { namespace, name, ready: outcome.ready.status, reason: outcome.ready.reason });
      await deps.kube.event({
        regarding: endpoint as KubernetesObject,
        type: outcome.ready.status === 'True' ? 'Normal' : 'Warning',
        reason: outcome.ready.reason,
        message: outcome.ready.message,
      }).catch((error: unknown) => deps.log.warn('could not record event', { namespace, name, error: String(error) }));
    }
    return { requeueAfterMs: outcome.ready.status === 'True' ? healthyMs : failingMs };
  };

  async function evaluate(endpoint: RegistryEndpoint): Promise<{ ready: ConditionInput; url?: string; rateLimit?: RegistryEndpointStatus['rateLimit'] }> {
    const namespace = endpoint.metadata.namespace ?? '';
    const notReady = (reason: string, message: string, url?: string) => ({ ready: { type: 'Ready', status: 'False' as const, reason, message }, ...(url ? { url } : {}) });
    let resolved;
    try {
      resolved = resolveEndpoint(endpoint);
    } catch (error) {
      if (error instanceof EndpointConfigError) return notReady('InvalidSpec', error.message);
      throw error;
    }
    const input: ProbeInput = { url: resolved.url };
    const credRef = endpoint.spec.credentialsSecretRef;
    if (credRef) {
      const secret = await deps.kube.get<V1Secret>({ apiVersion: 'v1', kind: 'Secret', namespace, name: credRef.name });
      if (!secret) return notReady('SecretNotFound', `Secret ${credRef.name} (spec.credentialsSecretRef) not found in namespace ${namespace}: create it with type kubernetes.io/dockerconfigjson or kubernetes.io/basic-auth`, resolved.url);
      try {
        const credentials = credentialsFromSecret(secret, resolved.registry, new URL(resolved.url).host);
        if (!credentials) return notReady('SecretInvalid', `Secret ${credRef.name} has no credentials for ${resolved.registry}: add an auths entry for it`, resolved.url);
        input.credentials = credentials;
      } catch (error) {
        if (error instanceof SecretShapeError) return notReady('SecretInvalid', error.message, resolved.url);
        throw error;
      }
    }
    const caRef = endpoint.spec.tls?.caSecretRef;
    if (caRef) {
      const secret = await deps.kube.get<V1Secret>({ apiVersion: 'v1', kind: 'Secret', namespace, name: caRef.name });
      const key = caRef.key ?? 'ca.crt';
      const pem = secret?.data?.[key];
      if (!secret) return notReady('SecretNotFound', `Secret ${caRef.name} (spec.tls.caSecretRef) not found in namespace ${namespace}: create it with the CA bundle under key ${key}`, resolved.url);
      if (!pem) return notReady('SecretInvalid', `Secret ${caRef.name} has no key ${key}: put the PEM CA bundle under it, or set spec.tls.caSecretRef.key`, resolved.url);
      input.ca = Buffer.from(pem, 'base64').toString('utf8');
    }
    if (endpoint.spec.tls?.insecureSkipVerify) input.insecureSkipVerify = true;
    if (endpoint.spec.httpProxy) input.httpProxy = endpoint.spec.httpProxy;
    if (resolved.registry === 'docker.io') input.rateLimitRepository = 'ratelimitpreview/test';
    const result = await deps.probe(input);
    return {
      ready: { type: 'Ready', status: result.ok ? 'True' : 'False', reason: result.reason, message: result.message },
      url: resolved.url,
      ...(result.rateLimit ? { rateLimit: result.rateLimit } : {}),
    };
  }
}
