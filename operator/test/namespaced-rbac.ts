// operator/config/rbac.yaml moved into a namespace of a run's own: the same rules (so the shipped RBAC is what
// is proven sufficient), with cluster-scoped names made unique, so a suite or a measurement neither sees nor
// disturbs berth-system or another run.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { repoRoot } from '@berth/e2e';

interface RbacDoc {
  kind: string;
  metadata: { name: string; namespace?: string };
  roleRef?: { name: string };
  subjects?: { namespace?: string }[];
}

export interface NamespacedRbac {
  /** Multi-document YAML for `kubectl apply -f -`. */
  yaml: string;
  /** `kind/name` of the cluster-scoped objects, for deletion after the run. */
  clusterScoped: string[];
}

export async function namespacedRbac(ns: string): Promise<NamespacedRbac> {
  const text = await readFile(join(repoRoot(), 'operator/config/rbac.yaml'), 'utf8');
  const docs = parseAllDocuments(text).map((d) => d.toJS() as RbacDoc);
  const clusterScoped: string[] = [];
  for (const doc of docs) {
    if (doc.kind === 'ClusterRole' || doc.kind === 'ClusterRoleBinding') {
      doc.metadata.name = `${doc.metadata.name}-${ns}`;
      clusterScoped.push(`${doc.kind.toLowerCase()}/${doc.metadata.name}`);
      if (doc.kind === 'ClusterRoleBinding' && doc.roleRef) doc.roleRef.name = `${doc.roleRef.name}-${ns}`;
    } else {
      doc.metadata.namespace = ns;
    }
    for (const subject of doc.subjects ?? []) subject.namespace = ns;
  }
  return { yaml: docs.map((d) => stringify(d)).join('---\n'), clusterScoped };
}
