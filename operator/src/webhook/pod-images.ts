// Every image a pod names, with where it sits: containers, initContainers (all of them, not only the first, as
// kube-image-keeper's #522 did) and ephemeralContainers (added by `kubectl debug` through the ephemeralcontainers
// subresource, which harbor-container-webhook skips).
import type { V1Pod } from '@kubernetes/client-node';

const CONTAINER_FIELDS = ['initContainers', 'containers', 'ephemeralContainers'] as const;
export type ContainerField = (typeof CONTAINER_FIELDS)[number];

export interface ImageSlot {
  field: ContainerField;
  index: number;
  /** The container's name, unique in the pod across all three lists. */
  name: string;
  image: string;
  pullPolicy?: string;
  /** `containers/app`: the key under which the annotations record this container. */
  key: string;
}

export function imageSlots(pod: V1Pod): ImageSlot[] {
  const out: ImageSlot[] = [];
  for (const field of CONTAINER_FIELDS) {
    const list = (pod.spec?.[field] ?? []) as { name?: string; image?: string; imagePullPolicy?: string }[];
    list.forEach((c, index) => {
      if (typeof c?.image !== 'string' || typeof c.name !== 'string') return;
      out.push({ field, index, name: c.name, image: c.image, ...(c.imagePullPolicy ? { pullPolicy: c.imagePullPolicy } : {}), key: `${field}/${c.name}` });
    });
  }
  return out;
}

/**
 * The slots a request asks the webhook to look at: all of a new pod's; on an update, only the images that changed
 * (a user's `kubectl set image`, a new ephemeral container). An unchanged image was decided when it was set, and
 * looking at it again on every label or status change would count it again.
 */
export function slotsToDecide(pod: V1Pod, old: V1Pod | undefined): ImageSlot[] {
  const slots = imageSlots(pod);
  if (!old) return slots;
  const before = new Map(imageSlots(old).map((s) => [s.key, s.image]));
  return slots.filter((s) => before.get(s.key) !== s.image);
}

/** JSON Pointer of a slot's image field. */
export function imagePath(slot: ImageSlot): string {
  return `/spec/${slot.field}/${slot.index}/image`;
}
