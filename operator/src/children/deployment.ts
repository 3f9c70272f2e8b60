// The proxy Deployment: a secure pod (non-root, read-only root filesystem, no privilege escalation, seccomp
// RuntimeDefault, all capabilities dropped), probes on /readyz and /healthz, resource requests, the config and
// the referenced Secrets mounted read-only, and the rollout hash that rolls the pods when any of them changes.
import type { V1Deployment, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { childLabels, childName, PROXY_PORT, PROXY_TLS_PORT, selectorLabels } from './names.ts';
import { ownerReference } from './owner.ts';
import { credentialsKind, MOUNTS, type ProjectInputs } from './inputs.ts';
import { ROLLOUT_HASH_ANNOTATION } from './rollout-hash.ts';
import { CONFIG_KEY } from './configmap.ts';
import { layerResources, podSpecFields, type Resources } from './pod-settings.ts';
import { s3Of, s3Volumes } from './s3-storage.ts';
import { DRAIN, sharedStorage } from './rollout.ts';

const RUN_AS = 65532;
const DEFAULT_RESOURCES: Resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } };

export function desiredDeployment(inputs: ProjectInputs, rolloutHash: string): V1Deployment {
  const { project } = inputs;
  const name = childName(project);
  const replicas = project.spec.replicas ?? 1;
  const { volumes, mounts } = volumesOf(inputs, name);
  const shared = sharedStorage(project);
  const pod = inputs.pod ?? {};
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: project.metadata.namespace, labels: childLabels(project), ownerReferences: [ownerReference(project)] },
    spec: {
      replicas,
      selector: { matchLabels: selectorLabels(project) },
      // A ReadWriteOnce volume cannot be attached to a second pod on another node: replace, do not surge. A shared
      // store (a bucket, a ReadWriteMany volume) lets a new pod start beside the old: one at a time, never fewer.
      strategy: shared ? { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } : { type: 'Recreate' },
      template: {
        metadata: { labels: childLabels(project), annotations: { ...pod.podAnnotations, [ROLLOUT_HASH_ANNOTATION]: rolloutHash } },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: DRAIN.terminationGracePeriodSeconds,
          ...podSpecFields(pod),
          ...(pod.nodeSelector && Object.keys(pod.nodeSelector).length ? { nodeSelector: { ...pod.nodeSelector } } : {}),
          ...(pod.tolerations?.length ? { tolerations: pod.tolerations } : {}),
          ...(pod.affinity && Object.keys(pod.affinity).length ? { affinity: pod.affinity } : {}),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUN_AS,
            runAsGroup: RUN_AS,
            fsGroup: RUN_AS,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'proxy',
              image: project.spec.image ?? inputs.defaultImage,
              args: ['serve', '--config', MOUNTS.configFile],
              ports: [
                { name: 'http', containerPort: PROXY_PORT, protocol: 'TCP' },
                ...(project.spec.tls ? [{ name: 'https', containerPort: PROXY_TLS_PORT, protocol: 'TCP' }] : []),
              ],
              readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5, failureThreshold: 3 },
              livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 6 },
              // Keep serving while the pod leaves the Service's endpoints; SIGTERM then drains what is in flight.
              lifecycle: { preStop: { sleep: { seconds: DRAIN.preStopSeconds } } },
              // The project's resources over the cluster admin's (the chart's proxy.resources) over the built-in defaults.
              resources: layerResources(layerResources(DEFAULT_RESOURCES, pod.resources), project.spec.resources),
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                privileged: false,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: mounts,
            },
          ],
          volumes,
        },
      },
    },
  };
}

function volumesOf(inputs: ProjectInputs, name: string): { volumes: V1Volume[]; mounts: V1VolumeMount[] } {
  const volumes: V1Volume[] = [
    { name: 'config', configMap: { name, items: [{ key: CONFIG_KEY, path: 'config.yaml' }] } },
    // No sizeLimit on the S3 working folder: it holds downloads in progress, as large as the largest layers pulled at
    // once, and the kubelet evicts the whole pod past a limit. The proxy bounds its local copies itself
    // (storage.s3.localCopy, 1Gi) and checks free space before each download.
    s3Of(inputs.project) ? { name: 'storage', emptyDir: {} } : { name: 'storage', persistentVolumeClaim: { claimName: name } },
    { name: 'tmp', emptyDir: {} },
  ];
  const mounts: V1VolumeMount[] = [
    { name: 'config', mountPath: MOUNTS.configDir, readOnly: true },
    { name: 'storage', mountPath: MOUNTS.storageDir },
    { name: 'tmp', mountPath: MOUNTS.tmpDir },
  ];
  const secretVolume = (volume: string, secretName: string, items: { key: string; path: string }[], dir: string): void => {
    volumes.push({ name: volume, secret: { secretName, items, defaultMode: 0o440 } });
    mounts.push({ name: volume, mountPath: dir, readOnly: true });
  };
  if (inputs.credentials) {
    const secretName = inputs.endpoint.spec.credentialsSecretRef?.name ?? '';
    const items = credentialsKind(inputs.credentials) === 'dockerconfigjson'
      ? [{ key: '.dockerconfigjson', path: '.dockerconfigjson' }]
      : [{ key: 'username', path: 'username' }, { key: 'password', path: 'password' }];
    secretVolume('credentials', secretName, items, MOUNTS.credentialsDir);
  }
  const ca = inputs.endpoint.spec.tls?.caSecretRef;
  if (ca) secretVolume('ca', ca.name, [{ key: ca.key ?? 'ca.crt', path: 'ca.crt' }], MOUNTS.caDir);
  const access = inputs.project.spec.access;
  if (access?.htpasswdSecretRef && access.anonymous !== true) {
    secretVolume('access', access.htpasswdSecretRef.name, [{ key: access.htpasswdSecretRef.key ?? 'htpasswd', path: 'htpasswd' }], MOUNTS.accessDir);
  }
  // The serving certificate, by name only: its content is not in the rollout hash, so a renewal rolls nothing —
  // the kubelet updates the files and the proxy reloads them. A new secretName changes this template and rolls.
  const tls = inputs.project.spec.tls;
  if (tls) secretVolume('serving-tls', tls.secretName, [{ key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }], MOUNTS.tlsDir);
  const s3 = s3Of(inputs.project);
  if (s3) {
    const bucket = s3Volumes(s3);
    volumes.push(...bucket.volumes);
    mounts.push(...bucket.mounts);
  }
  return { volumes, mounts };
}
