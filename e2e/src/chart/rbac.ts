// Compares RBAC rules by meaning, not by layout: one (apiGroup, resource, verb) triple per grant, sorted.
// resourceNames and nonResourceURLs are kept in the triple so a narrower rule never equals a broader one.

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export function rulesOfKind(docs: Record<string, unknown>[], kind: string): PolicyRule[] {
  return docs.filter((d) => d.kind === kind).flatMap((d) => (d.rules as PolicyRule[] | undefined) ?? []);
}

export function normalizeRules(rules: PolicyRule[]): string[] {
  const grants = new Set<string>();
  for (const rule of rules) {
    const names = (rule.resourceNames ?? []).slice().sort().join(',');
    for (const verb of rule.verbs ?? []) {
      for (const url of rule.nonResourceURLs ?? []) grants.add(`url ${url} ${verb}`);
      for (const group of rule.apiGroups ?? []) {
        for (const resource of rule.resources ?? []) grants.add(`${group || 'core'} ${resource} ${verb}${names ? ` [${names}]` : ''}`);
      }
    }
  }
  return [...grants].sort();
}
