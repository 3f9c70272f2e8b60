// The Deployment's pod template carries a hash of what the pods read at start: the rendered config and the
// referenced Secrets. A change to either changes the hash, and so rolls the pods. Secrets enter the hash by
// uid and resourceVersion only: their values never leave the Secret, not even as a digest.
import { createHash } from 'node:crypto';
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';

export const ROLLOUT_HASH_ANNOTATION = 'berth.dev/config-hash';

export function rolloutHash(configText: string, secrets: (V1Secret | V1ConfigMap | undefined)[]): string {
  const hash = createHash('sha256').update(configText);
  for (const secret of secrets) {
    hash.update('\0');
    if (secret) hash.update(`${secret.metadata?.uid ?? ''}/${secret.metadata?.resourceVersion ?? ''}`);
  }
  return hash.digest('hex').slice(0, 32);
}
