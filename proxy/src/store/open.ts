// The store a config asks for: the volume's, or object storage's with a local working folder. Called once, at the
// composition root (app.ts); everything above sees only BlobStore.
import { mkdir } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseQuantity, type StorageConfig } from '@berth/contracts/proxy-config';
import type { BlobStore } from './blobstore.ts';
import { FileBlobStore } from './file-store.ts';
import { HotBlobs } from './hotblobs.ts';
import { storePaths } from './paths.ts';
import { bucketKeys } from './s3/keys.ts';

export interface OpenedStore {
  store: BlobStore;
  /** Where the embedded index goes when there is no shared one. */
  indexFile: string;
  /** Small blobs held in memory (`storage.memory`), watched by the metrics. */
  hot: HotBlobs;
  /** What the log says the store is (no credentials): `volume /data`, `s3 http://…/bucket/prefix`. */
  description: string;
  close(): void;
}

export interface OpenStoreOptions {
  /** This process among the replicas sharing the store; default: the host name (the pod's name). */
  replica?: string;
  /** Failures of background work (the sweep for abandoned uploads). */
  onError?: (err: Error) => void;
  /**
   * Keep each download's verified file as a local copy of the bucket's object (default true). Off when every
   * project redirects its warm GETs to the bucket: nothing would read the copies.
   */
  keepDownloads?: boolean;
}

/**
 * Creates and initialises the configured store. Rejects with ConfigError when a file the config names cannot be
 * read, with ObjectStoreError when the bucket does not answer, with the file system's error for the volume.
 */
export async function openStore(storage: StorageConfig, opts: OpenStoreOptions = {}): Promise<OpenedStore> {
  const replica = opts.replica ?? hostname();
  const hot = new HotBlobs(storage.memory === undefined ? {} : { hotBytes: parseQuantity(storage.memory)! });
  if (!storage.s3) {
    const directory = storage.directory!;
    await mkdir(directory, { recursive: true });
    const store = new FileBlobStore(directory, { replica, hot });
    await store.init();
    return { store, hot, indexFile: store.paths.indexFile, description: `volume ${directory}`, close: () => undefined };
  }
  // The S3 client is loaded only for a store in a bucket: a proxy on a volume need not carry the AWS SDK (with the
  // Redis client, replicas/redis.ts, ~9 MB of resident memory at rest and ~10 MB of heap every major GC marks).
  const [{ createS3Client }, { S3BlobStore }] = await Promise.all([import('./s3/client.ts'), import('./s3/s3-store.ts')]);
  const s3 = storage.s3;
  const localDir = storage.directory ?? join(tmpdir(), 'berth');
  await mkdir(localDir, { recursive: true });
  const local = storePaths(localDir, replica);
  const client = await createS3Client(s3);
  const store = new S3BlobStore({
    client, bucket: s3.bucket, keys: bucketKeys(s3.prefix ?? '', replica), local, hot,
    ...(s3.localCopy === undefined ? {} : { localCopyBytes: parseQuantity(s3.localCopy)! }),
    ...(opts.onError ? { sweeper: { onError: opts.onError } } : {}),
    keepDownloads: opts.keepDownloads ?? true,
  });
  try {
    await store.init();
  } catch (err) {
    store.close();
    throw err;
  }
  const where = `${s3.endpoint ?? `aws ${s3.region ?? 'us-east-1'}`}/${s3.bucket}/${store.keys.root}`;
  return { store, hot, indexFile: local.indexFile, description: `s3 ${where}`, close: () => store.close() };
}
