// Which projects may rewrite one image, in order, and why the others do not: the pure half of the decision. The
// other half, asking the cache (checkUpstream), is async and lives in mutate.ts.
import { matchableReference, parseImageReference, rewrittenReference, type ImageReference } from './image-reference.ts';
import { selectorMatches } from './label-selector.ts';
import type { ImageSlot } from './pod-images.ts';
import { ruleOrder, type RewriteRule } from './rules.ts';

export type SkipReason = 'NotMatched' | 'Excluded' | 'CheckFailed' | 'AlreadyOnCache' | 'PullPolicyNever';

export interface PodContext {
  namespace: string;
  namespaceLabels: Readonly<Record<string, string>> | undefined;
  podLabels: Readonly<Record<string, string>> | undefined;
  /** os/arch from the pod's nodeSelector, when it names the architecture. */
  platform?: string;
}

export interface Candidate {
  rule: RewriteRule;
  /** The image as it becomes through this rule's cache. */
  target: string;
  /** Platforms the cache must have for this rule to rewrite (checkUpstream.platforms, the pod's). */
  platforms: string[];
}

export interface Skip {
  rule: RewriteRule;
  reason: SkipReason;
  detail?: string;
}

export interface SlotPlan {
  slot: ImageSlot;
  /** Undefined when the image is not a reference Berth can parse: the runtime will say why, not the webhook. */
  ref?: ImageReference;
  candidates: Candidate[];
  skips: Skip[];
}

export function planSlot(slot: ImageSlot, ctx: PodContext, rules: readonly RewriteRule[]): SlotPlan {
  let ref: ImageReference;
  try {
    ref = parseImageReference(slot.image);
  } catch {
    return { slot, candidates: [], skips: [] };
  }
  // Already on a cache (a reinvocation, or a pod that names the cache itself): a cache cannot pull through itself.
  const cache = rules.find((r) => r.address === ref.registry);
  if (cache) return { slot, ref, candidates: [], skips: [{ rule: cache, reason: 'AlreadyOnCache' }] };
  const eligible = rules
    .filter((r) => r.registry === ref.registry)
    .filter((r) => r.project.metadata.namespace === ctx.namespace || r.servesCluster)
    .filter((r) => selectorMatches(r.namespaceSelector, ctx.namespaceLabels) && selectorMatches(r.objectSelector, ctx.podLabels))
    .sort(ruleOrder(ctx.namespace));
  if (eligible.length === 0) return { slot, ref, candidates: [], skips: [] };
  // Never: the image must already be on the node under this very name; another name would never start.
  if (slot.pullPolicy === 'Never') return { slot, ref, candidates: [], skips: [{ rule: eligible[0]!, reason: 'PullPolicyNever' }] };
  const normalized = matchableReference(ref);
  const candidates: Candidate[] = [];
  const skips: Skip[] = [];
  for (const rule of eligible) {
    if (rule.match.length > 0 && !rule.match.some((re) => re.test(normalized))) skips.push({ rule, reason: 'NotMatched' });
    else if (rule.exclude.some((re) => re.test(normalized))) skips.push({ rule, reason: 'Excluded' });
    else {
      const platforms = [...rule.check.platforms, ...(rule.check.podPlatform && ctx.platform ? [ctx.platform] : [])];
      candidates.push({ rule, target: rewrittenReference(ref, rule.address), platforms: [...new Set(platforms)] });
    }
  }
  return { slot, ref, candidates, skips };
}

/** os/arch the pod's nodeSelector pins (kubernetes.io/os defaults to linux), or undefined without an arch. */
export function podPlatform(nodeSelector: Readonly<Record<string, string>> | undefined): string | undefined {
  const arch = nodeSelector?.['kubernetes.io/arch'];
  if (!arch) return undefined;
  return `${nodeSelector?.['kubernetes.io/os'] ?? 'linux'}/${arch}`;
}
