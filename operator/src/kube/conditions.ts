// Conditions as kstatus reads them: lastTransitionTime moves only when the status changes, every condition
// carries the generation it describes.
import type { Condition, ConditionStatus } from '../api/index.ts';

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** The new list: inputs replace conditions of their type, others are kept; order follows the inputs. */
export function mergeConditions(previous: Condition[] | undefined, inputs: ConditionInput[], generation: number, now: Date): Condition[] {
  const byType = new Map((previous ?? []).map((c) => [c.type, c]));
  const merged = inputs.map((input): Condition => {
    const old = byType.get(input.type);
    byType.delete(input.type);
    const lastTransitionTime = old && old.status === input.status ? old.lastTransitionTime : now.toISOString();
    return { ...input, observedGeneration: generation, lastTransitionTime };
  });
  return [...merged, ...byType.values()];
}

export function findCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** True when two lists say the same (times aside): no status write is needed. */
export function sameConditions(a: Condition[] | undefined, b: Condition[] | undefined): boolean {
  const key = (list: Condition[] | undefined): string =>
    JSON.stringify((list ?? []).map((c) => [c.type, c.status, c.reason, c.message, c.observedGeneration ?? null]));
  return key(a) === key(b);
}
