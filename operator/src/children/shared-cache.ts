// The children of a shared cache (project/cache-groups.ts): one Deployment, Service, PVC and ConfigMap (and an
// Ingress and PDB when asked for) serving several projects. The single-project builders make them from the oldest
// member with the cache's instance settings laid over its spec; then every member is added: its proxy project in the config, its Secrets mounted under a
// folder of its own, its owner reference on every child (the garbage collector removes a child with its last owner).
import type { ProxyCacheProjectSpec } from '../api/index.ts';
import type { KubernetesObject, V1ConfigMap, V1Deployment, V1OwnerReference, V1PersistentVolumeClaim, V1Service, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { renderProxyConfig, type ProjectConfig, type ProxyConfig } from '@berth/contracts/proxy-config';
import { CONFIG_KEY } from './configmap.ts';
import { desiredDeployment } from './deployment.ts';
import { desiredChildren, type DesiredChildren } from './index.ts';
import { MOUNTS, type ProjectInputs } from './inputs.ts';
import { proxyProjectName } from './names.ts';
import { ownerReference } from './owner.ts';
import { desiredProxyConfig } from './proxy-config.ts';
import { ROLLOUT_HASH_ANNOTATION, rolloutHash } from './rollout-hash.ts';
import { desiredService } from './service.ts';

export const CACHE_LABEL = 'berth.dev/cache';

export interface SharedCacheInputs {
  cache: string;
  /** Oldest first, each read as for a project of its own; members that could not be read are left out by the caller. */
  members: ProjectInputs[];
  /** The instance settings (replicas, storage, tls…) the cache runs with (cache-groups.ts instanceSettings). */
  settings: Partial<ProxyCacheProjectSpec>;
  /** The member served at /v2/ (cache-groups.ts rootMember). */
  root: ProjectInputs;
}

/** The Secret folders of one project's pod, which a shared pod holds once per member. */
const SECRET_DIRS = { credentials: MOUNTS.credentialsDir, ca: MOUNTS.caDir, access: MOUNTS.accessDir } as const;
const MEMBERS_DIR = '/etc/berth/projects';

/** Throws the proxy's ConfigError or SecretShapeError when the members cannot make a valid proxy (two of one registry). */
export function desiredSharedChildren(shared: SharedCacheInputs, existingPvc?: V1PersistentVolumeClaim): DesiredChildren {
  const leader = shared.members[0];
  if (!leader) throw new Error(`shared cache ${shared.cache} has no member`);
  const instance = instanceInputs(leader, shared.settings);
  const base = desiredChildren(instance, existingPvc);
  const config: ProxyConfig = { ...desiredProxyConfig(instance), projects: shared.members.map((m) => memberEntry(m, instance, m === shared.root)) };
  const configText = renderProxyConfig(config);
  // The instance's own hash too: whatever the builders hash for the pods besides the members' Secrets.
  const hash = rolloutHash(configText + base.rolloutHash, shared.members.flatMap((m) => [m.credentials, m.ca, m.htpasswd]));
  const owners = shared.members.map((m): V1OwnerReference => ({ ...ownerReference(m.project), controller: false }));
  const nodePort = shared.members.some((m) => desiredService(m.project).spec?.type === 'NodePort');
  for (const obj of base.apply) {
    shareMetadata(obj, shared.cache, owners);
    if (obj.kind === 'ConfigMap') (obj as V1ConfigMap).data = { [CONFIG_KEY]: configText };
    if (obj.kind === 'Service' && nodePort) (obj as V1Service).spec!.type = 'NodePort';
    if (obj.kind === 'Deployment') shareDeployment(obj as V1Deployment, shared, hash);
  }
  return { ...base, rolloutHash: hash };
}

/** The oldest member with the cache's settings and without anything of its own upstream or access: what the
 *  instance is built from. */
function instanceInputs(leader: ProjectInputs, settings: Partial<ProxyCacheProjectSpec>): ProjectInputs {
  const { credentials: _credentials, ca: _ca, htpasswd: _htpasswd, ...rest } = leader;
  const { access: _access, ...spec } = leader.project.spec;
  const { credentialsSecretRef: _ref, tls: _tls, ...endpointSpec } = leader.endpoint.spec;
  return { ...rest, project: { ...leader.project, spec: { ...spec, ...settings } }, endpoint: { ...leader.endpoint, spec: endpointSpec } };
}

/** The member's proxy project as it would be alone, its files moved into its own folder; retention sized by the
 *  cache's volume, and `default` only for the root member. */
function memberEntry(member: ProjectInputs, instance: ProjectInputs, root: boolean): ProjectConfig {
  const sized = { ...member, project: { ...member.project, spec: { ...member.project.spec, storage: instance.project.spec.storage } } };
  const [entry] = desiredProxyConfig(sized).projects;
  const dir = memberDir(member);
  const moved = JSON.parse(JSON.stringify(entry), (_key, value: unknown) => (typeof value === 'string' ? movedPath(value, dir) : value)) as ProjectConfig;
  if (root) moved.default = true;
  else delete moved.default;
  return moved;
}

function memberDir(member: ProjectInputs): string {
  return `${MEMBERS_DIR}/${proxyProjectName(member.project)}`;
}

function movedPath(path: string, dir: string): string {
  for (const [name, from] of Object.entries(SECRET_DIRS)) {
    if (path === from || path.startsWith(`${from}/`)) return `${dir}/${name}${path.slice(from.length)}`;
  }
  return path;
}

function shareMetadata(obj: KubernetesObject, cache: string, owners: V1OwnerReference[]): void {
  const metadata = obj.metadata ?? {};
  metadata.labels = sharedLabels(metadata.labels, cache);
  metadata.ownerReferences = owners;
  obj.metadata = metadata;
}

/** One cache's children name no single project; they carry the cache's name instead. */
function sharedLabels(labels: Record<string, string> | undefined, cache: string): Record<string, string> {
  const { 'berth.dev/project': _project, ...rest } = labels ?? {};
  return { ...rest, [CACHE_LABEL]: cache };
}

/** Every member's Secret volumes, as its own Deployment would mount them, renamed and moved to its folder. */
function shareDeployment(deployment: V1Deployment, shared: SharedCacheInputs, hash: string): void {
  const template = deployment.spec!.template;
  template.metadata = { ...template.metadata, labels: sharedLabels(template.metadata?.labels, shared.cache), annotations: { ...template.metadata?.annotations, [ROLLOUT_HASH_ANNOTATION]: hash } };
  const pod = template.spec!;
  const container = pod.containers[0]!;
  shared.members.forEach((member, index) => {
    const own = desiredDeployment(member, '').spec!.template.spec!;
    const dir = memberDir(member);
    for (const volume of own.volumes ?? []) {
      if (!(volume.name in SECRET_DIRS)) continue;
      const name = `${volume.name}-${index}`;
      const mount = own.containers[0]!.volumeMounts!.find((m) => m.name === volume.name)!;
      pod.volumes = [...(pod.volumes ?? []), { ...volume, name } satisfies V1Volume];
      container.volumeMounts = [...(container.volumeMounts ?? []), { ...mount, name, mountPath: movedPath(mount.mountPath, dir) } satisfies V1VolumeMount];
    }
  });
}
