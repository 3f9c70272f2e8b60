// The JSON Patch (RFC 6902) the webhook answers with: images replaced, and three annotations that say what it did,
// each a JSON object keyed by `<field>/<container>`:
//   berth.dev/original-images        the image each rewritten container named before (Rewrite mode)
//   berth.dev/pod-image-rewrite-audit the image each container would have been rewritten to (Audit mode)
//   berth.dev/pod-image-rewrite-skipped why an image of a cached registry was left as it was
// On an update only the containers decided now change their entries; the others keep theirs.
import type { V1Pod } from '@kubernetes/client-node';
import { imagePath, type ImageSlot } from './pod-images.ts';
import type { SkipReason } from './plan.ts';

export const ORIGINAL_IMAGES = 'berth.dev/original-images';
export const AUDIT_IMAGES = 'berth.dev/pod-image-rewrite-audit';
export const SKIPPED_IMAGES = 'berth.dev/pod-image-rewrite-skipped';

export type JsonPatchOp = { op: 'add' | 'replace'; path: string; value: unknown } | { op: 'remove'; path: string };

export type SlotOutcome =
  | { slot: ImageSlot; kind: 'rewrite'; target: string }
  | { slot: ImageSlot; kind: 'audit'; target: string }
  | { slot: ImageSlot; kind: 'skip'; reason: SkipReason }
  | { slot: ImageSlot; kind: 'none' };

/** RFC 6901: `~` and `/` in a key. */
export function pointerEscape(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** One of the three annotations as a map; empty when absent or not ours. */
export function recordedImages(pod: V1Pod, annotation: string): Record<string, string> {
  try {
    const value = JSON.parse(pod.metadata?.annotations?.[annotation] ?? '{}') as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, string>) : {};
  } catch {
    return {}; // someone else's text under our key: replaced by what the webhook knows
  }
}

export function podPatch(pod: V1Pod, outcomes: readonly SlotOutcome[]): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  const maps = { [ORIGINAL_IMAGES]: recordedImages(pod, ORIGINAL_IMAGES), [AUDIT_IMAGES]: recordedImages(pod, AUDIT_IMAGES), [SKIPPED_IMAGES]: recordedImages(pod, SKIPPED_IMAGES) };
  for (const o of outcomes) {
    const key = o.slot.key;
    // A new decision for this container replaces every earlier record of it.
    for (const map of Object.values(maps)) delete map[key];
    if (o.kind === 'rewrite') {
      ops.push({ op: 'replace', path: imagePath(o.slot), value: o.target });
      maps[ORIGINAL_IMAGES][key] = o.slot.image;
    } else if (o.kind === 'audit') maps[AUDIT_IMAGES][key] = o.target;
    else if (o.kind === 'skip') maps[SKIPPED_IMAGES][key] = o.reason;
  }
  const before = pod.metadata?.annotations ?? {};
  const annotations: Record<string, string | undefined> = {};
  for (const [name, map] of Object.entries(maps)) {
    const text = Object.keys(map).length > 0 ? JSON.stringify(sortKeys(map)) : undefined;
    if (text !== (before[name] ?? undefined)) annotations[name] = text;
  }
  if (Object.keys(annotations).length === 0) return ops;
  if (!pod.metadata?.annotations) {
    const value = Object.fromEntries(Object.entries(annotations).filter(([, v]) => v !== undefined));
    if (Object.keys(value).length > 0) ops.push({ op: 'add', path: '/metadata/annotations', value });
    return ops;
  }
  for (const [name, text] of Object.entries(annotations)) {
    const path = `/metadata/annotations/${pointerEscape(name)}`;
    if (text === undefined) ops.push({ op: 'remove', path });
    else ops.push({ op: name in before ? 'replace' : 'add', path, value: text });
  }
  return ops;
}

function sortKeys(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(map).sort().map((k) => [k, map[k]!]));
}
