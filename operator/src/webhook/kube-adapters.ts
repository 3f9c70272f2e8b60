// The webhook's few writes to the apiserver, each behind the narrow interface its user declares: the TLS Secret
// (cert-keeper.ts), the caBundle of the MutatingWebhookConfiguration (cert-keeper.ts) and the project's
// status.podImageRewrite (status-reporter.ts). client-node 2.x's generated API classes, as kube-client.ts uses.
import { AdmissionregistrationV1Api, CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig, type V1MutatingWebhookConfiguration, type V1Secret } from '@kubernetes/client-node';
import { FIELD_MANAGER, GROUP, PROXY_CACHE_PROJECT, VERSION, type PodImageRewriteStatus } from '../api/index.ts';
import { statusCodeOf } from '../kube/kube-client.ts';
import { ConflictError, type CaBundleTarget, type StoredTls, type TlsSecretStore } from './cert-keeper.ts';
import type { ProjectStatusStore } from './status-reporter.ts';

const conflict = (error: unknown): never => {
  const code = statusCodeOf(error);
  if (code === 409) throw new ConflictError('written by someone else meanwhile');
  throw error;
};

export function kubeTlsSecretStore(kc: KubeConfig, namespace: string, name: string): TlsSecretStore {
  const core = kc.makeApiClient(CoreV1Api);
  return {
    async read(): Promise<StoredTls | undefined> {
      try {
        const body = await core.readNamespacedSecret({ name, namespace });
        const data = Object.fromEntries(Object.entries(body.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
        return { data, resourceVersion: body.metadata?.resourceVersion ?? '' };
      } catch (error) {
        if (statusCodeOf(error) === 404) return undefined;
        throw error;
      }
    },
    async write(data, resourceVersion): Promise<void> {
      const secret: V1Secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/tls',
        metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': FIELD_MANAGER, 'app.kubernetes.io/component': 'webhook' }, ...(resourceVersion ? { resourceVersion } : {}) },
        stringData: data as Record<string, string>,
      };
      try {
        if (resourceVersion) await core.replaceNamespacedSecret({ name, namespace, body: secret, fieldManager: FIELD_MANAGER });
        else await core.createNamespacedSecret({ namespace, body: secret, fieldManager: FIELD_MANAGER });
      } catch (error) {
        conflict(error);
      }
    },
  };
}

/** Writes the bundle into every webhook of the named MutatingWebhookConfiguration (which the chart creates). */
export function kubeCaBundleTarget(kc: KubeConfig, configName: string): CaBundleTarget {
  const admission = kc.makeApiClient(AdmissionregistrationV1Api);
  return {
    async sync(bundle): Promise<boolean> {
      let config: V1MutatingWebhookConfiguration;
      try {
        config = await admission.readMutatingWebhookConfiguration({ name: configName });
      } catch (error) {
        if (statusCodeOf(error) === 404) throw new Error(`MutatingWebhookConfiguration ${configName} not found: the chart creates it (webhook.enabled)`);
        throw error;
      }
      const encoded = Buffer.from(bundle).toString('base64');
      const ops = (config.webhooks ?? []).flatMap((w, i) => {
        const current = w.clientConfig.caBundle as unknown as string | undefined;
        return current === encoded ? [] : [{ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: encoded }];
      });
      if (ops.length === 0) return false;
      // The resourceVersion test keeps the indexes valid: a configuration changed meanwhile is patched next round.
      const patch = [{ op: 'test', path: '/metadata/resourceVersion', value: config.metadata?.resourceVersion }, ...ops];
      await admission.patchMutatingWebhookConfiguration({ name: configName, body: patch, fieldManager: FIELD_MANAGER },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
      return true;
    },
  };
}

export function kubeProjectStatusStore(kc: KubeConfig): ProjectStatusStore {
  const custom = kc.makeApiClient(CustomObjectsApi);
  return {
    async read(namespace, name) {
      try {
        const body: unknown = await custom.getNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace, plural: PROXY_CACHE_PROJECT.plural, name });
        const obj = body as { metadata?: { resourceVersion?: string }; status?: { podImageRewrite?: PodImageRewriteStatus } };
        return { resourceVersion: obj.metadata?.resourceVersion ?? '', ...(obj.status?.podImageRewrite ? { status: obj.status.podImageRewrite } : {}) };
      } catch (error) {
        if (statusCodeOf(error) === 404) return undefined;
        throw error;
      }
    },
    async write(namespace, name, resourceVersion, status) {
      try {
        // A merge patch that carries the resourceVersion is refused with 409 when the object moved on: the counts
        // of several replicas add up instead of overwriting each other.
        await custom.patchNamespacedCustomObjectStatus({
          group: GROUP, version: VERSION, namespace, plural: PROXY_CACHE_PROJECT.plural, name,
          body: { metadata: { resourceVersion }, status: { podImageRewrite: status } }, fieldManager: FIELD_MANAGER,
        }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      } catch (error) {
        conflict(error);
      }
    },
  };
}
