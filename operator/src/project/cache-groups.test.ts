import assert from 'node:assert/strict';
import type { ProxyCacheProject, ProxyCacheProjectSpec } from '../api/index.ts';
import { cacheMembers, CacheMembership, conflictMessage, rootMember, servedAtRoot, settingsConflicts } from './cache-groups.ts';

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

  it('conflicts: an unset field takes the cache\'s; a default agrees with no value; a different value is named', () => {
    const leader = member('hub', '2026-01-01T00:00:00Z', { replicas: 2, storage: { size: '100Gi', accessMode: 'ReadWriteMany' }, index: { redis: { url: 'redis://r:6379' } } });
    assert.deepEqual(settingsConflicts(member('quay', '2026-01-02T00:00:00Z'), leader), []);
    assert.deepEqual(settingsConflicts(member('quay', '2026-01-02T00:00:00Z', { replicas: 2, storage: { size: '100Gi' }, index: { redis: { url: 'redis://r:6379' } } }), leader), []);
    assert.deepEqual(
      settingsConflicts(member('quay', '2026-01-02T00:00:00Z', { replicas: 1, storage: { size: '20Gi', accessMode: 'ReadWriteMany' }, image: 'x:1', ingress: { host: 'q.example.com' } }), leader),
      ['replicas', 'storage.size', 'image', 'ingress'],
    );
    // The apiserver's defaults (replicas 1, accessMode ReadWriteOnce) agree with a leader that set neither.
    const plain = member('hub', '2026-01-01T00:00:00Z');
    assert.deepEqual(settingsConflicts(member('quay', '2026-01-02T00:00:00Z', { replicas: 1, storage: { accessMode: 'ReadWriteOnce', size: '20Gi' } }), plain), []);
    // Per-project fields never conflict.
    assert.deepEqual(settingsConflicts(member('quay', '2026-01-02T00:00:00Z', { registry: 'quay.io', access: { anonymous: true }, cache: { tagTTL: '1m' }, nodeMirror: { enabled: true } }), plain), []);
  });

  it('conflict message: names every field, the oldest member and the cache', () => {
    const message = conflictMessage(['replicas', 'storage.size'], member('hub', '2026-01-01T00:00:00Z'));
    assert.match(message, /^spec\.replicas, spec\.storage\.size differ from ProxyCacheProject hub, the oldest member of shared cache harbor/);
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
