// All children of one project, built from its inputs: the composition the reconciler applies.
import type { KubernetesObject, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { renderedProxyConfig } from './proxy-config.ts';
import { desiredConfigMap } from './configmap.ts';
import { desiredDeployment } from './deployment.ts';
import { desiredService } from './service.ts';
import { desiredPvc, type StorageRefusal } from './pvc.ts';
import { desiredIngress } from './ingress.ts';
import { desiredPodDisruptionBudget } from './pdb.ts';
import { rolloutHash } from './rollout-hash.ts';
import type { ProjectInputs } from './inputs.ts';
import { s3Of } from './s3-storage.ts';

export interface DesiredChildren {
  /** In apply order: the PVC and ConfigMap before the Deployment that mounts them. */
  apply: KubernetesObject[];
  /** Kinds the project no longer asks for, to delete if present: `${apiVersion}/${kind}`. */
  absent: { apiVersion: string; kind: string }[];
  storageRefusal?: StorageRefusal;
  rolloutHash: string;
}

/** Throws the proxy's ConfigError or SecretShapeError when the inputs cannot make a valid proxy. */
export function desiredChildren(inputs: ProjectInputs, existingPvc?: V1PersistentVolumeClaim): DesiredChildren {
  const configText = renderedProxyConfig(inputs);
  // Not inputs.s3Credentials: the proxy reads its key files again every minute, a rotation rolls nothing.
  const hash = rolloutHash(configText, [inputs.credentials, inputs.ca, inputs.htpasswd, inputs.s3Ca]);
  // A bucket needs no claim (and an existing one is kept: the CRD refuses moving a project between the two).
  const pvcPlan = s3Of(inputs.project) ? undefined : desiredPvc(inputs.project, existingPvc);
  const apply: KubernetesObject[] = [];
  if (pvcPlan && 'pvc' in pvcPlan) apply.push(pvcPlan.pvc);
  apply.push(desiredConfigMap(inputs, configText), desiredService(inputs.project), desiredDeployment(inputs, hash));
  const absent: DesiredChildren['absent'] = [];
  const ingress = desiredIngress(inputs.project);
  if (ingress) apply.push(ingress);
  else absent.push({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' });
  const pdb = desiredPodDisruptionBudget(inputs.project);
  if (pdb) apply.push(pdb);
  else absent.push({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' });
  return { apply, absent, rolloutHash: hash, ...(pvcPlan && 'refusal' in pvcPlan ? { storageRefusal: pvcPlan.refusal } : {}) };
}

export { childName, childLabels, selectorLabels, PROXY_PORT } from './names.ts';
export { resolveEndpoint, EndpointConfigError, type ResolvedEndpoint } from './provider-defaults.ts';
export { credentialsKind, SecretShapeError, MOUNTS, type ProjectInputs } from './inputs.ts';
export { servingCertificate, TlsSecretError, type ServingCertificate } from './serving-tls.ts';
export { ROLLOUT_HASH_ANNOTATION } from './rollout-hash.ts';
export type { StorageRefusal } from './pvc.ts';
