// One pod admission, start to finish: which images to look at, which project may rewrite each, whether the cache
// can serve it (checkUpstream), and the patch. Never throws for a pod it cannot help with: the answer is then an
// empty patch, and the pod is created as written.
import type { V1Pod } from '@kubernetes/client-node';
import { MANAGED_BY } from '../children/names.ts';
import type { PodAdmission } from './admission.ts';
import { ORIGINAL_IMAGES, podPatch, recordedImages, type JsonPatchOp, type SlotOutcome } from './patch.ts';
import { planSlot, podPlatform, type PodContext, type SkipReason, type SlotPlan } from './plan.ts';
import { slotsToDecide } from './pod-images.ts';
import type { RewriteRule } from './rules.ts';
import type { CheckRequest, CheckResult } from './upstream-check.ts';

/** What the webhook tells the outside world about its decisions (metrics, status counts, Events). */
export interface Recorder {
  rewritten(rule: RewriteRule, mode: 'Rewrite' | 'Audit'): void;
  skipped(rule: RewriteRule, reason: SkipReason): void;
  /** A check that failed now (not a remembered answer): the Event and status.lastCheckFailure. */
  checkFailed(rule: RewriteRule, image: string, message: string, pod: string): void;
}

export interface MutateDeps {
  rules(): readonly RewriteRule[];
  namespaceLabels(namespace: string): Readonly<Record<string, string>> | undefined;
  check(request: CheckRequest): Promise<CheckResult>;
  /** Recording is skipped for dry-run requests: the webhook declares sideEffects None. */
  record: Recorder;
  /** Namespaces whose pods are never rewritten: Berth's own and kube-system. */
  protectedNamespaces: ReadonlySet<string>;
}

export interface MutateResult {
  patch: JsonPatchOp[];
  warnings: string[];
  outcomes: SlotOutcome[];
  /** Why the whole pod was left alone, when it was. */
  ignored?: string;
}

/** Berth's own pods: a cache cannot pull its own image through itself, nor the operator through a cache. */
const BERTH_NAMES = new Set(['berth-proxy', 'berth-operator', 'berth-node-agent']);

function isBerthPod(pod: V1Pod): boolean {
  const labels = pod.metadata?.labels ?? {};
  return labels['app.kubernetes.io/managed-by'] === MANAGED_BY || BERTH_NAMES.has(labels['app.kubernetes.io/name'] ?? '');
}

export async function mutatePod(review: PodAdmission, deps: MutateDeps): Promise<MutateResult> {
  const none = (ignored: string): MutateResult => ({ patch: [], warnings: [], outcomes: [], ignored });
  if (deps.protectedNamespaces.has(review.namespace)) return none(`namespace ${review.namespace} is never rewritten`);
  if (isBerthPod(review.pod)) return none("Berth's own pods are never rewritten");
  const rules = deps.rules();
  if (rules.length === 0) return none('no project rewrites pod images');
  const ctx: PodContext = {
    namespace: review.namespace,
    namespaceLabels: deps.namespaceLabels(review.namespace),
    podLabels: review.pod.metadata?.labels,
    ...(podPlatform(review.pod.spec?.nodeSelector) ? { platform: podPlatform(review.pod.spec?.nodeSelector)! } : {}),
  };
  const record: Recorder = review.dryRun ? { rewritten: () => {}, skipped: () => {}, checkFailed: () => {} } : deps.record;
  const podName = `${review.namespace}/${review.name || review.pod.metadata?.generateName || '(unnamed)'}`;
  const warnings: string[] = [];
  const plans = slotsToDecide(review.pod, review.oldPod).map((slot) => planSlot(slot, ctx, rules));
  const rewrittenBefore = new Set(Object.keys(recordedImages(review.pod, ORIGINAL_IMAGES)));
  const outcomes = await Promise.all(plans.map((plan) => decide(plan, deps, record, podName, warnings, rewrittenBefore)));
  const decided = outcomes.filter((o) => o.kind !== 'none');
  return { patch: podPatch(review.pod, decided), warnings, outcomes };
}

async function decide(plan: SlotPlan, deps: MutateDeps, record: Recorder, podName: string, warnings: string[], rewrittenBefore: ReadonlySet<string>): Promise<SlotOutcome> {
  const { slot } = plan;
  // An image on a cache is the webhook's own work when it recorded the original (a reinvocation after another
  // webhook's change): neither counted again nor re-annotated. A pod that names a cache itself is counted.
  if (plan.skips[0]?.reason === 'AlreadyOnCache') {
    if (!rewrittenBefore.has(slot.key)) record.skipped(plan.skips[0].rule, 'AlreadyOnCache');
    return { slot, kind: 'none' };
  }
  for (const skip of plan.skips) record.skipped(skip.rule, skip.reason);
  let last: SkipReason | undefined = plan.skips.at(-1)?.reason;
  for (const candidate of plan.candidates) {
    const { rule } = candidate;
    if (rule.check.enabled) {
      const answer = await deps.check({ cacheUrl: rule.checkUrl, ref: plan.ref!, platforms: candidate.platforms });
      if (!answer.ok) {
        record.skipped(rule, 'CheckFailed');
        if (answer.fresh) record.checkFailed(rule, slot.image, answer.message, podName);
        warnings.push(`berth: ${slot.key} keeps ${slot.image}: ${answer.message}`);
        last = 'CheckFailed';
        continue;
      }
    }
    record.rewritten(rule, rule.mode);
    return rule.mode === 'Audit' ? { slot, kind: 'audit', target: candidate.target } : { slot, kind: 'rewrite', target: candidate.target };
  }
  return last ? { slot, kind: 'skip', reason: last } : { slot, kind: 'none' };
}
