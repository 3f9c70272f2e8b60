import assert from 'node:assert/strict';
import type { ProxyCacheProject, ProxyCacheProjectSpec } from '../api/index.ts';
import { cacheMembers, CacheMembership, conflictMessage, instanceSettings, rootMember, servedAtRoot, settingsConflicts } from './cache-groups.ts';

function member(name: string, created: string, spec: Partial<ProxyCacheProjectSpec> = {}, namespace = 'cache'): ProxyCacheProject {
  return {
    metadata: { name, namespace, uid: `uid-${name}`, creationTimestamp: created },
    spec: { endpointRef: { name }, sharedCache: 'harbor', ...spec },
  };
}

describe('shared caches: grouping and conflicts', () => {
  it('members: same namespace and cache name, not being deleted, oldest first then by name', () => {
    const projects = [
      member('quay', '2026-01-03T00:00:00Z'),
      member('hub', '2026-01-01T00:00:00Z'),
      member('ghcr', '2026-01-03T00:00:00Z'),
      member('other-ns', '2026-01-01T00:00:00Z', {}, 'elsewhere'),
      member('other-cache', '2026-01-01T00:00:00Z', { sharedCache: 'mirror' }),
      member('own', '2026-01-01T00:00:00Z', { sharedCache: undefined }),
      { ...member('going', '2026-01-01T00:00:00Z'), metadata: { ...member('going', '2026-01-01T00:00:00Z').metadata, deletionTimestamp: '2026-01-05T00:00:00Z' } },
    ];
    assert.deepEqual(cacheMembers(projects, 'cache', 'harbor').map((p) => p.metadata.name), ['hub', 'ghcr', 'quay']);
  });

  it('instance settings: each from the oldest member that sets it; defaults set nothing', () => {
    const hub = member('hub', '2026-01-01T00:00:00Z', { replicas: 1, storage: { accessMode: 'ReadWriteOnce' } });
    const quay = member('quay', '2026-01-02T00:00:00Z', { replicas: 2, storage: { size: '100Gi', accessMode: 'ReadWriteMany' }, index: { redis: { url: 'redis://r:6379' } } });
    const ghcr = member('ghcr', '2026-01-03T00:00:00Z', { storage: { size: '50Gi', storageClassName: 'fast' }, resources: { limits: { memory: '1Gi' } } });
    const settings = instanceSettings([hub, quay, ghcr]);
    assert.deepEqual(settings.spec, {
      replicas: 2,
      storage: { size: '100Gi', accessMode: 'ReadWriteMany', storageClassName: 'fast' },
      index: { redis: { url: 'redis://r:6379' } },
      resources: { limits: { memory: '1Gi' } },
    });
    assert.deepEqual(Object.fromEntries([...settings.from].map(([path, p]) => [path, p.metadata.name])), {
      replicas: 'quay', 'storage.size': 'quay', 'storage.accessMode': 'quay', index: 'quay', 'storage.storageClassName': 'ghcr', resources: 'ghcr',
    });
    assert.deepEqual(instanceSettings([member('hub', '2026-01-01T00:00:00Z', { replicas: 1 })]).spec, {});
  });

  it('conflicts: a setting another member already gives otherwise is named with that member; unset, default or equal is none', () => {
    const hub = member('hub', '2026-01-01T00:00:00Z', { replicas: 2, storage: { size: '100Gi', accessMode: 'ReadWriteMany' }, index: { redis: { url: 'redis://r:6379' } } });
    const agreeing = member('quay', '2026-01-02T00:00:00Z', { replicas: 1, storage: { size: '100Gi' }, index: { redis: { url: 'redis://r:6379' } } });
    const differing = member('ghcr', '2026-01-03T00:00:00Z', { replicas: 3, storage: { size: '50Gi', accessMode: 'ReadWriteMany' }, image: 'x:1', ingress: { host: 'q.example.com' } });
    const perProject = member('gcr', '2026-01-04T00:00:00Z', { registry: 'gcr.io', access: { anonymous: true }, cache: { tagTTL: '1m' }, nodeMirror: { enabled: true } });
    const settings = instanceSettings([hub, agreeing, differing, perProject]);
    assert.deepEqual(settingsConflicts(hub, settings), []);
    assert.deepEqual(settingsConflicts(agreeing, settings), []);
    assert.deepEqual(settingsConflicts(perProject, settings), []);
    // image and ingress: ghcr is the oldest that sets them, so they are the cache's, not a conflict.
    assert.deepEqual(settingsConflicts(differing, settings).map((c) => `${c.field}:${c.from.metadata.name}`), ['replicas:hub', 'storage.size:hub']);
  });

  it('storage: a bucket or a volume, as the oldest member that sets storage chose; the other kind is a conflict', () => {
    const s3 = { bucket: 'berth-cache', credentialsSecretRef: { name: 's3' } };
    const onBucket = member('hub', '2026-01-01T00:00:00Z', { storage: { s3 } });
    const onVolume = member('quay', '2026-01-02T00:00:00Z', { storage: { size: '100Gi', storageClassName: 'fast' } });
    const settings = instanceSettings([onBucket, onVolume]);
    assert.deepEqual(settings.spec, { storage: { s3 } });
    assert.deepEqual(settingsConflicts(onBucket, settings), []);
    assert.deepEqual(settingsConflicts(onVolume, settings).map((c) => `${c.field}:${c.from.metadata.name}`), ['storage.size:hub', 'storage.storageClassName:hub']);
    // The other way round: the volume is the older choice, the bucket the conflict.
    const olderVolume = member('quay', '2025-12-01T00:00:00Z', { storage: { size: '100Gi' } });
    const volumeFirst = instanceSettings([olderVolume, onBucket]);
    assert.deepEqual(volumeFirst.spec, { storage: { size: '100Gi' } });
    assert.deepEqual(settingsConflicts(onBucket, volumeFirst).map((c) => `${c.field}:${c.from.metadata.name}`), ['storage.s3:quay']);
  });

  it('conflict message: names every field and whose value the cache runs with', () => {
    const hub = member('hub', '2026-01-01T00:00:00Z');
    const message = conflictMessage([{ field: 'replicas', from: hub }, { field: 'storage.size', from: hub }]);
    assert.match(message, /^spec\.replicas differs from ProxyCacheProject hub's, spec\.storage\.size differs from ProxyCacheProject hub's, which shared cache harbor runs with/);
  });

  it('root member: the docker.io one (Docker asks a mirror for /v2/<repo>), else the oldest', () => {
    const registries: Record<string, string> = { hub: 'docker.io', quay: 'quay.io', ghcr: 'ghcr.io' };
    const byName = (names: string[]) => names.map((n) => member(n, '2026-01-01T00:00:00Z'));
    const registryOf = (p: ProxyCacheProject) => registries[p.metadata.name ?? ''];
    assert.equal(rootMember(byName(['quay', 'hub', 'ghcr']), registryOf)?.metadata.name, 'hub');
    assert.equal(rootMember(byName(['quay', 'ghcr']), registryOf)?.metadata.name, 'quay');
    assert.equal(rootMember([], registryOf), undefined);
  });

  it('served at root: every project of its own; one member per shared cache', () => {
    const quay = { ...member('quay', '2026-01-01T00:00:00Z', { registry: 'quay.io' }) };
    const hub = { ...member('hub', '2026-01-02T00:00:00Z', { registry: 'docker.io' }) };
    const own = member('own', '2026-01-01T00:00:00Z', { sharedCache: undefined });
    const all = [quay, hub, own];
    assert.deepEqual(all.map((p) => servedAtRoot(p, all)), [false, true, true]);
  });

  it('membership: a project wakes the cache it is in and the one it left, once', () => {
    const membership = new CacheMembership();
    const hub = member('hub', '2026-01-01T00:00:00Z');
    assert.deepEqual(membership.changed(hub, false), ['cache/harbor']);
    assert.deepEqual(membership.changed(hub, false), ['cache/harbor']);
    assert.deepEqual(membership.changed({ ...hub, spec: { ...hub.spec, sharedCache: 'mirror' } }, false), ['cache/harbor', 'cache/mirror']);
    assert.deepEqual(membership.changed({ ...hub, spec: { ...hub.spec, sharedCache: undefined } }, false), ['cache/mirror']);
    assert.deepEqual(membership.changed({ ...hub, spec: { ...hub.spec, sharedCache: undefined } }, false), []);
    membership.changed(hub, false);
    assert.deepEqual(membership.changed(hub, true), ['cache/harbor']);
    assert.deepEqual(membership.changed(hub, true), []);
  });
});
