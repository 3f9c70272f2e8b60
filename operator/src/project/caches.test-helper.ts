// The watches' caches a project reconcile reads, over an in-memory apiserver's objects.
import type { FakeKube } from '../kube/fake-kube.test-helper.ts';
import type { ProjectCaches } from './reconciler.ts';

export function cachesOf(kube: FakeKube): ProjectCaches {
  return {
    projects: kube.cache('berth.dev/v1alpha1', 'ProxyCacheProject'),
    endpoints: kube.cache('berth.dev/v1alpha1', 'RegistryEndpoint'),
    deployments: kube.cache('apps/v1', 'Deployment'),
    pvcs: kube.cache('v1', 'PersistentVolumeClaim'),
  };
}
