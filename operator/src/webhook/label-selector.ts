// metav1.LabelSelector semantics (k8s.io/apimachinery labels.Selector): every matchLabels pair and every
// expression must hold; an empty selector selects everything. Pure, for the webhook's per-project selectors.
import type { LabelSelector } from '../api/index.ts';

export function selectorMatches(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) if (have[key] !== value) return false;
  for (const e of selector?.matchExpressions ?? []) {
    const present = Object.hasOwn(have, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!present || !values.includes(have[e.key]!)) return false;
        break;
      case 'NotIn':
        if (present && values.includes(have[e.key]!)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        // An operator the schema does not allow selects nothing, as the apiserver refuses such a selector.
        return false;
    }
  }
  return true;
}
