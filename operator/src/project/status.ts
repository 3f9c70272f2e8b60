// A project's status from what was observed: the Deployment's availability, the PVC's phase, the endpoint's
// Ready condition, the proxy's stats and the node reports. Pure, so every reason is unit-tested.
// Ready is the condition Flux and Argo CD read; Reconciling and Stalled are kstatus's abnormal-true pair, so
// kstatus tells "still working" from "needs a person" without a custom health script.
import type { V1Deployment, V1PersistentVolumeClaim, V1Service } from '@kubernetes/client-node';
import type { ProxyCacheProject, ProxyCacheProjectStatus, RegistryEndpoint } from '../api/index.ts';
import { childName, PROXY_PORT, SERVICE_HTTPS_PORT } from '../children/names.ts';
import type { ServingCertificate } from '../children/serving-tls.ts';
import type { StorageRefusal } from '../children/pvc.ts';
import { findCondition, mergeConditions, type ConditionInput } from '../kube/conditions.ts';
import { cacheStatus, type ProxyStats } from './proxy-stats.ts';
import { nodeMirrorAddress } from '../nodemirror/address.ts';
import type { NodeMirrorSummary } from '../nodemirror/summarize.ts';

export interface ProjectObservation {
  project: ProxyCacheProject;
  /** A fault found before any child could be written: missing endpoint or Secret, invalid configuration. */
  blocked?: { reason: string; message: string };
  endpoint?: RegistryEndpoint;
  registry?: string;
  storageRefusal?: StorageRefusal;
  /** A member of a shared cache whose instance settings differ from the cache's: served, but not as its spec says. */
  settingsConflict?: { reason: string; message: string };
  deployment?: V1Deployment;
  pvc?: V1PersistentVolumeClaim;
  service?: V1Service;
  stats?: ProxyStats;
  nodeMirror?: NodeMirrorSummary;
  /** The spec.tls certificate, when it was read and can be served. */
  servingTls?: ServingCertificate;
  now: Date;
}

export interface ProjectVerdict {
  status: ProxyCacheProjectStatus;
  ready: ConditionInput;
}

const c = (type: string, status: ConditionInput['status'], reason: string, message: string): ConditionInput => ({ type, status, reason, message });

export function projectStatus(obs: ProjectObservation): ProjectVerdict {
  const { project } = obs;
  const generation = project.metadata.generation ?? 0;
  const previous = project.status ?? {};
  const endpointReady = endpointCondition(obs);
  const storage = storageCondition(obs);
  const rollout = rolloutOf(obs);
  const nodeMirror = obs.nodeMirror?.condition ?? (project.spec.nodeMirror?.enabled
    ? c('NodeMirrorReady', 'Unknown', 'NodeAgentPending', 'waiting for the node agents to report')
    : c('NodeMirrorReady', 'True', 'Disabled', 'nodeMirror.enabled is false: nodes pull as configured'));

  let ready: ConditionInput;
  if (obs.blocked) ready = c('Ready', 'False', obs.blocked.reason, obs.blocked.message);
  else if (obs.settingsConflict) ready = c('Ready', 'False', obs.settingsConflict.reason, obs.settingsConflict.message);
  else if (endpointReady.status !== 'True') ready = c('Ready', 'False', 'EndpointNotReady', endpointReady.message);
  else if (storage.status !== 'True') ready = c('Ready', 'False', storage.reason, storage.message);
  else if (!rollout.available) ready = c('Ready', 'False', rollout.reason, rollout.message);
  else ready = c('Ready', 'True', 'Available', rollout.message);

  const stalled = obs.blocked ?? obs.settingsConflict ?? obs.storageRefusal;
  const progressing = !stalled && ready.status !== 'True';
  const tls = tlsCondition(obs);
  const degraded = obs.storageRefusal
    ? c('Degraded', 'True', obs.storageRefusal.reason, obs.storageRefusal.message)
    : rollout.degraded
      ? c('Degraded', 'True', 'ReplicasUnavailable', rollout.message)
      : tls.reason === 'CertificateExpired'
        ? c('Degraded', 'True', tls.reason, tls.message)
        : c('Degraded', 'False', 'AsExpected', 'no fault found');
  const conditions = mergeConditions(previous.conditions, [
    ready,
    progressing ? c('Progressing', 'True', ready.reason, ready.message) : c('Progressing', 'False', stalled ? 'Stalled' : 'Complete', stalled ? stalled.message : 'rollout complete'),
    degraded,
    endpointReady,
    storage,
    nodeMirror,
    tls,
    progressing ? c('Reconciling', 'True', ready.reason, ready.message) : c('Reconciling', 'False', 'Done', 'nothing in progress'),
    stalled ? c('Stalled', 'True', stalled.reason, stalled.message) : c('Stalled', 'False', 'AsExpected', 'no fault that needs a person'),
  ], generation, obs.now);

  const status: ProxyCacheProjectStatus = {
    observedGeneration: generation,
    conditions,
    ...(obs.registry ? { registry: obs.registry } : previous.registry ? { registry: previous.registry } : {}),
    urls: urlsOf(obs),
    ...(obs.stats ? { cache: cacheStatus(obs.stats, obs.now) } : previous.cache ? { cache: previous.cache } : {}),
    ...(obs.nodeMirror
      ? { nodes: { configured: obs.nodeMirror.configured, total: obs.nodeMirror.total, summary: `${obs.nodeMirror.configured}/${obs.nodeMirror.total}` } }
      : {}),
    ...(obs.pvc?.status?.capacity?.storage || obs.pvc?.spec?.storageClassName
      ? { storage: {
          ...(obs.pvc?.status?.capacity?.storage ? { size: String(obs.pvc.status.capacity.storage) } : {}),
          ...(obs.pvc?.spec?.storageClassName ? { storageClassName: obs.pvc.spec.storageClassName } : {}),
        } }
      : {}),
  };
  return { status, ready };
}

function endpointCondition(obs: ProjectObservation): ConditionInput {
  const name = obs.project.spec.endpointRef.name;
  if (!obs.endpoint) return c('EndpointReady', 'False', 'EndpointNotFound', `RegistryEndpoint ${name} not found in namespace ${obs.project.metadata.namespace ?? ''}: create it, or set spec.endpointRef.name to an existing one`);
  const ready = findCondition(obs.endpoint.status?.conditions, 'Ready');
  const current = ready && (ready.observedGeneration ?? 0) >= (obs.endpoint.metadata.generation ?? 0);
  if (!ready || !current) return c('EndpointReady', 'Unknown', 'Probing', `RegistryEndpoint ${name} has not been probed yet`);
  return c('EndpointReady', ready.status, ready.reason, `RegistryEndpoint ${name}: ${ready.message}`);
}

/**
 * Whether the HTTPS port can serve: the Secret's fault when it has one (the same words as Ready), an expired
 * certificate (still served: the pods keep what they have, clients refuse it), or what is served and until when.
 */
function tlsCondition(obs: ProjectObservation): ConditionInput {
  if (!obs.project.spec.tls) return c('TLSReady', 'True', 'Disabled', 'spec.tls is not set: the cache serves plain HTTP only');
  if (obs.blocked?.reason.startsWith('TLSSecret')) return c('TLSReady', 'False', obs.blocked.reason, obs.blocked.message);
  const cert = obs.servingTls;
  if (!cert) return c('TLSReady', 'Unknown', 'NotChecked', `Secret ${obs.project.spec.tls.secretName} (spec.tls.secretName) has not been read yet`);
  const what = `Secret ${cert.secretName}: certificate for ${cert.names.join(', ') || 'no names'} (SHA-256 ${cert.fingerprint})`;
  if (cert.notAfter.getTime() <= obs.now.getTime()) {
    return c('TLSReady', 'False', 'CertificateExpired', `${what} expired at ${cert.notAfter.toISOString()}: clients refuse it; renew it (with cert-manager: kubectl describe certificate, then the Issuer)`);
  }
  return c('TLSReady', 'True', 'CertificateValid', `${what} valid until ${cert.notAfter.toISOString()}, served on port ${SERVICE_HTTPS_PORT} of Service ${childName(obs.project)}`);
}

function storageCondition(obs: ProjectObservation): ConditionInput {
  const name = childName(obs.project);
  const s3 = obs.project.spec.storage?.s3;
  // No claim to bind: whether the bucket answers shows in the pods' readiness (the proxy does not start without it).
  if (s3) return c('StorageBound', 'True', 'ObjectStorage', `bucket ${s3.bucket}${s3.prefix ? `, prefix ${s3.prefix}` : ''} at ${s3.endpoint ?? `AWS S3 ${s3.region ?? 'us-east-1'}`}: no volume`);
  const phase = obs.pvc?.status?.phase;
  if (!obs.pvc) return c('StorageBound', 'Unknown', 'Creating', `PersistentVolumeClaim ${name} not created yet`);
  if (phase === 'Bound') return c('StorageBound', 'True', 'Bound', `PersistentVolumeClaim ${name} is bound`);
  if (phase === 'Lost') return c('StorageBound', 'False', 'StorageLost', `PersistentVolumeClaim ${name} lost its volume: the cache data is gone; delete the claim to start empty`);
  return c('StorageBound', 'False', 'StoragePending', `PersistentVolumeClaim ${name} is ${phase ?? 'Pending'}: check that a StorageClass${obs.project.spec.storage?.storageClassName ? ` ${obs.project.spec.storage.storageClassName}` : ' (default)'} exists and can provision ${obs.project.spec.storage?.size ?? '20Gi'}`);
}

function rolloutOf(obs: ProjectObservation): { available: boolean; degraded: boolean; reason: string; message: string } {
  const d = obs.deployment;
  const want = obs.project.spec.replicas ?? 1;
  if (!d) return { available: false, degraded: false, reason: 'Deploying', message: 'Deployment not created yet' };
  const s = d.status ?? {};
  const current = (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
  const updated = s.updatedReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const message = `${available} of ${want} proxy pods available`;
  if (!current || updated < want) return { available: false, degraded: false, reason: 'Deploying', message: `rolling out: ${updated} of ${want} pods updated, ${message}` };
  // Past the Deployment's progress deadline (pods crash or cannot pull) the rollout is a fault, not progress.
  const deadlinePassed = s.conditions?.some((x) => x.type === 'Progressing' && x.status === 'False' && x.reason === 'ProgressDeadlineExceeded');
  if (available < want && deadlinePassed) return { available: false, degraded: true, reason: 'ProgressDeadlineExceeded', message: `${message}: the pods did not become available within the Deployment's progress deadline (kubectl describe pods shows why)` };
  if (available < want) return { available: false, degraded: available > 0, reason: 'Deploying', message };
  return { available: true, degraded: false, reason: 'Available', message };
}

function urlsOf(obs: ProjectObservation): NonNullable<ProxyCacheProjectStatus['urls']> {
  const { project } = obs;
  const name = childName(project);
  const urls: NonNullable<ProxyCacheProjectStatus['urls']> = {
    inCluster: `http://${name}.${project.metadata.namespace ?? ''}.svc:${PROXY_PORT}`,
  };
  if (project.spec.tls) urls.inClusterHTTPS = `https://${name}.${project.metadata.namespace ?? ''}.svc`;
  const ingress = project.spec.ingress;
  if (ingress?.host) urls.ingress = `${ingress.tls ? 'https' : 'http'}://${ingress.host}`;
  const mirror = nodeMirrorUrl(obs);
  if (mirror) urls.nodeMirror = mirror;
  return urls;
}

/** The address node runtimes use (the node mirror's own rule: never a *.svc name, which they cannot resolve). */
export function nodeMirrorUrl(obs: Pick<ProjectObservation, 'project' | 'service'>): string | undefined {
  if (obs.project.spec.nodeMirror?.enabled !== true) return undefined;
  const choice = nodeMirrorAddress(obs.project, obs.service);
  return 'url' in choice ? choice.url : undefined;
}
