// Peers that keep their store in S3-compatible object storage: a real versitygw on loopback, a bucket per instance
// so each starts cold. Berth streams blobs from the bucket (or, with `redirect`, answers a presigned URL of it);
// distribution's proxy on its s3 driver redirects blob GETs to presigned URLs, its default.
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { startRegistry, startVersitygw, type S3Server } from '@berth/e2e';
import type { S3StorageConfig } from '@berth/contracts/proxy-config';
import { findChild } from '../procfs/process-tree.ts';
import { startBerth } from './berth.ts';
import { registryPid } from './distribution.ts';
import type { Peer, PeerFactory } from './peer.ts';

export interface ObjectStore {
  server: S3Server;
  /** The versitygw process: its CPU is the store's share of a load. */
  pid: number | undefined;
  stop(): Promise<void>;
}

export async function startObjectStore(): Promise<ObjectStore> {
  const server = await startVersitygw();
  return { server, pid: await findChild(process.pid, ['versitygw', server.dataDir]), stop: () => server.stop() };
}

/** A fresh bucket for one instance. */
async function freshBucket(store: ObjectStore): Promise<string> {
  const bucket = `bench-${randomBytes(4).toString('hex')}`;
  await store.server.createBucket(bucket);
  return bucket;
}

export function berthOnS3(store: ObjectStore, upstreamUrl: string, redirect: boolean, nodeArgs?: string[]): PeerFactory {
  return async () => {
    const { server } = store;
    const s3: S3StorageConfig = {
      endpoint: server.endpoint, region: server.region, bucket: await freshBucket(store), forcePathStyle: true,
      accessKeyIdFile: server.accessKeyIdFile, secretAccessKeyFile: server.secretAccessKeyFile,
    };
    return startBerth({ upstreamUrl, s3, ...(redirect ? { redirectToStorage: true } : {}), ...(nodeArgs ? { nodeArgs } : {}) });
  };
}

export function distributionOnS3(store: ObjectStore, upstreamUrl: string): PeerFactory {
  return async () => {
    const { server } = store;
    const key = async (file: string) => (await readFile(file, 'utf8')).trim();
    const registry = await startRegistry({
      proxyRemoteUrl: upstreamUrl,
      s3: {
        endpoint: server.endpoint, region: server.region, bucket: await freshBucket(store),
        accessKeyId: await key(server.accessKeyIdFile), secretAccessKey: await key(server.secretAccessKeyFile),
      },
    });
    const peer: Peer = { name: 'distribution', url: registry.url, host: registry.host, pid: await registryPid(registry), stop: () => registry.stop() };
    return peer;
  };
}
