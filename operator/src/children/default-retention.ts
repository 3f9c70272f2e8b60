// The size cap a cache gets when its project sets no cache.retention.maxSize. Without one the proxy keeps every
// layer until the volume is full, and then every write fails (ENOSPC): pulls fall back to pass-through and nothing
// new is cached. A share of the volume leaves room for the index, temp files of fills in flight and filesystem
// overhead, so eviction starts before the disk is full. 85%, not 90%: the chart's BerthStorageNearlyFull alert fires at
// 90% of the volume (prometheusRule.storageFullRatio), and should mean "eviction is not keeping up", not "working".
import { parseQuantity } from '@berth/contracts/proxy-config';
import { DEFAULT_STORAGE_SIZE } from './pvc.ts';

/** The share of storage.size a cache keeps when retention.maxSize is not set (said in the CRD's description). */
export const DEFAULT_MAX_SIZE_SHARE = 0.85;

const MI = 1024 * 1024;

/** 85% of the volume, in whole MiB (a quantity the proxy reads), or in bytes for a volume under ~1 MiB. */
export function defaultMaxSize(storageSize: string = DEFAULT_STORAGE_SIZE): string {
  const bytes = parseQuantity(storageSize);
  if (bytes === undefined || bytes <= 0) throw new RangeError(`storage.size ${JSON.stringify(storageSize)} is not a positive size`);
  const cap = bytes * DEFAULT_MAX_SIZE_SHARE;
  return cap >= MI ? `${Math.floor(cap / MI)}Mi` : String(Math.floor(cap));
}
