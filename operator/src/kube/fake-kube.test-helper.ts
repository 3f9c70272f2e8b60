// An in-memory KubeClient for the reconcilers' unit tests: objects by apiVersion/kind/namespace/name, apply as a
// replace that keeps status, resourceVersion checks on finalizer writes, and a record of calls and events. Its
// caches stand in for the watches: they read the stored objects themselves, as an informer hands out its own.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { EventInput, KubeClient, ObjectRef } from './kube-client.ts';
import type { ObjectCache } from './object-cache.ts';

type Obj = KubernetesObject & { spec?: unknown; status?: unknown; [k: string]: unknown };

export class FakeKube implements KubeClient {
  readonly objects = new Map<string, Obj>();
  readonly events: EventInput[] = [];
  readonly calls: string[] = [];
  private version = 1;

  private key(r: { apiVersion?: string; kind?: string; namespace?: string; name?: string }): string {
    return `${r.apiVersion}/${r.kind}/${r.namespace ?? ''}/${r.name}`;
  }

  put<T>(obj: T): T {
    const copy = structuredClone(obj) as unknown as Obj;
    copy.metadata = { uid: `uid-${copy.metadata?.name}`, generation: 1, ...copy.metadata, resourceVersion: String(++this.version) };
    this.objects.set(this.key({ ...copy, ...copy.metadata }), copy);
    return copy as unknown as T;
  }

  find<T>(apiVersion: string, kind: string, namespace: string, name: string): T | undefined {
    return this.objects.get(this.key({ apiVersion, kind, namespace, name })) as T | undefined;
  }

  /** What a watch of one kind would hold: always up to date (a watch that has caught up). */
  cache<T>(apiVersion: string, kind: string): ObjectCache<T> {
    const all = () => [...this.objects.values()].filter((o) => o.apiVersion === apiVersion && o.kind === kind);
    return {
      get: (name, namespace) => this.objects.get(this.key({ apiVersion, kind, namespace, name })) as T | undefined,
      list: (namespace) => all().filter((o) => !namespace || o.metadata?.namespace === namespace) as unknown as T[],
    };
  }

  async get<T = KubernetesObject>(ref: ObjectRef): Promise<T | undefined> {
    const found = this.objects.get(this.key(ref));
    return found ? (structuredClone(found) as unknown as T) : undefined;
  }

  async list<T = KubernetesObject>(apiVersion: string, kind: string, namespace?: string): Promise<T[]> {
    return [...this.objects.values()].filter((o) => o.apiVersion === apiVersion && o.kind === kind && (!namespace || o.metadata?.namespace === namespace)) as unknown as T[];
  }

  async apply<T extends KubernetesObject>(obj: T): Promise<T> {
    this.calls.push(`apply ${obj.kind} ${obj.metadata?.name}`);
    const old = this.objects.get(this.key({ ...obj, ...obj.metadata }));
    const next = structuredClone(obj) as unknown as Obj;
    const changed = JSON.stringify(old?.spec) !== JSON.stringify(next.spec);
    next.metadata = { ...old?.metadata, ...next.metadata, generation: (old?.metadata?.generation ?? 0) + (changed || !old ? 1 : 0), resourceVersion: String(++this.version) };
    if (old?.status) next.status = old.status;
    this.objects.set(this.key({ ...next, ...next.metadata }), next);
    return structuredClone(next) as unknown as T;
  }

  async delete(ref: ObjectRef): Promise<void> {
    if (this.objects.delete(this.key(ref))) this.calls.push(`delete ${ref.kind} ${ref.name}`);
  }

  async patchStatus(ref: ObjectRef & { plural: string }, status: object): Promise<void> {
    const found = this.objects.get(this.key(ref));
    if (!found) throw Object.assign(new Error('not found'), { statusCode: 404 });
    found.status = { ...(found.status as object), ...status };
    this.calls.push(`status ${ref.kind} ${ref.name}`);
  }

  async setFinalizers(ref: ObjectRef & { plural: string }, finalizers: string[], resourceVersion: string | undefined): Promise<void> {
    const found = this.objects.get(this.key(ref));
    if (!found) throw Object.assign(new Error('not found'), { statusCode: 404 });
    if (resourceVersion && found.metadata?.resourceVersion !== resourceVersion) throw Object.assign(new Error('conflict'), { statusCode: 409 });
    found.metadata = { ...found.metadata, finalizers, resourceVersion: String(++this.version) };
    if (found.metadata.deletionTimestamp && finalizers.length === 0) this.objects.delete(this.key(ref));
    this.calls.push(`finalizers ${ref.kind} ${ref.name} [${finalizers.join(',')}]`);
  }

  async event(input: EventInput): Promise<void> {
    this.events.push(input);
  }
}
