// The ConfigMap holding the proxy's config file. Credentials are never in it: it names mounted files only.
import type { V1ConfigMap } from '@kubernetes/client-node';
import { childLabels, childName } from './names.ts';
import { ownerReference } from './owner.ts';
import type { ProjectInputs } from './inputs.ts';

export const CONFIG_KEY = 'config.yaml';

export function desiredConfigMap(inputs: ProjectInputs, configText: string): V1ConfigMap {
  const { project } = inputs;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: childName(project),
      namespace: project.metadata.namespace,
      labels: childLabels(project),
      ownerReferences: [ownerReference(project)],
    },
    data: { [CONFIG_KEY]: configText },
  };
}
