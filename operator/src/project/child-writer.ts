// Writes a project's children: every desired one by server-side apply, in order, and a kind the project no longer
// asks for (Ingress, PDB) deleted once. What the apiserver answers to each apply is the child as it is now, status
// included: the reconciler observes the children from these answers, not from another read.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { DesiredChildren } from '../children/index.ts';
import { describeKubeError, statusCodeOf, type KubeClient, type ObjectRef } from '../kube/kube-client.ts';
import { Blocked } from './blocked.ts';

/** Every kind a project owns, for its deletion. */
const CHILD_KINDS: { apiVersion: string; kind: string }[] = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
];

const refKey = (ref: { apiVersion?: string; kind?: string; namespace?: string; name?: string }) => `${ref.apiVersion}/${ref.kind}/${ref.namespace}/${ref.name}`;

export class ChildWriter {
  /** Children known to be absent: deleted once, not on every reconcile. Only this process's own writes change
   *  that, so it is enough to forget a key when the child is applied again. */
  private readonly absent = new Set<string>();

  constructor(private readonly kube: KubeClient) {}

  /** Applies and deletes; resolves with the applied children as the apiserver answered them, by kind.
   *  Rejects with Blocked('ChildRejected') when the apiserver refuses a child as invalid (a retry cannot fix that,
   *  the project's spec can). */
  async write(children: DesiredChildren, namespace: string, name: string): Promise<Map<string, KubernetesObject>> {
    const applied = new Map<string, KubernetesObject>();
    for (const obj of children.apply) {
      this.absent.delete(refKey({ apiVersion: obj.apiVersion, kind: obj.kind, namespace, name: obj.metadata?.name }));
      try {
        applied.set(obj.kind ?? '', await this.kube.apply(obj));
      } catch (error) {
        if (statusCodeOf(error) === 422) throw new Blocked('ChildRejected', `${obj.kind} ${obj.metadata?.name ?? ''} refused by the apiserver: ${describeKubeError(error)}`);
        throw error;
      }
    }
    for (const gone of children.absent) {
      const ref: ObjectRef = { ...gone, namespace, name };
      if (this.absent.has(refKey(ref))) continue;
      await this.kube.delete(ref);
      this.absent.add(refKey(ref));
    }
    return applied;
  }

  /** Deletes every child of a project being deleted. */
  async deleteAll(namespace: string, name: string): Promise<void> {
    for (const kind of CHILD_KINDS) {
      await this.kube.delete({ ...kind, namespace, name });
      this.absent.delete(refKey({ ...kind, namespace, name }));
    }
  }
}
