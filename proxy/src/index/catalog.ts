// What the proxy knows about cached artifacts, kept in keyv (embedded sqlite, or Redis for shared stores):
//   tag:<project>/<repo>:<tag>         → TagRecord       which digest a tag pointed at, when that was checked
//   manifest:<project>/<repo>@<digest> → ManifestRecord  media type, size, references, last pulled, upstream-deleted
//   blob:<project>@<digest>            → BlobRecord      size and last pulled; links a blob to the project that fetched it
import Keyv from 'keyv';
import KeyvRedis from '@keyv/redis';
import type { Digest } from '../oci/digest.ts';
import { SqliteKeyvStore } from './sqlite-store.ts';

export interface TagRecord {
  digest: Digest;
  checkedAt: number;
  upstreamDeleted?: boolean;
}

export interface ManifestRecord {
  mediaType: string;
  size: number;
  references: string[];
  lastPulled: number;
  upstreamDeleted?: boolean;
}

export interface BlobRecord {
  size: number;
  lastPulled: number;
}

export class Catalog {
  private readonly kv: Keyv;

  constructor(kv: Keyv) {
    this.kv = kv;
  }

  static embedded(file: string): Catalog {
    return new Catalog(new Keyv({ store: new SqliteKeyvStore(file), namespace: 'berth' }));
  }

  static redis(url: string): Catalog {
    return new Catalog(new Keyv({ store: new KeyvRedis(url), namespace: 'berth' }));
  }

  static inMemory(): Catalog {
    return new Catalog(new Keyv({ namespace: 'berth' }));
  }

  getTag(project: string, repo: string, tag: string): Promise<TagRecord | undefined> {
    return this.kv.get<TagRecord>(`tag:${project}/${repo}:${tag}`);
  }
  async setTag(project: string, repo: string, tag: string, record: TagRecord): Promise<void> {
    await this.kv.set(`tag:${project}/${repo}:${tag}`, record);
  }
  async deleteTag(project: string, repo: string, tag: string): Promise<void> {
    await this.kv.delete(`tag:${project}/${repo}:${tag}`);
  }

  getManifest(project: string, repo: string, digest: Digest): Promise<ManifestRecord | undefined> {
    return this.kv.get<ManifestRecord>(`manifest:${project}/${repo}@${digest}`);
  }
  async setManifest(project: string, repo: string, digest: Digest, record: ManifestRecord): Promise<void> {
    await this.kv.set(`manifest:${project}/${repo}@${digest}`, record);
  }
  async deleteManifest(project: string, repo: string, digest: Digest): Promise<void> {
    await this.kv.delete(`manifest:${project}/${repo}@${digest}`);
  }

  getBlob(project: string, digest: Digest): Promise<BlobRecord | undefined> {
    return this.kv.get<BlobRecord>(`blob:${project}@${digest}`);
  }
  async setBlob(project: string, digest: Digest, record: BlobRecord): Promise<void> {
    await this.kv.set(`blob:${project}@${digest}`, record);
  }
  async deleteBlob(project: string, digest: Digest): Promise<void> {
    await this.kv.delete(`blob:${project}@${digest}`);
  }

  /** Every record, for rebuilding in-memory views at start (retention, stats). */
  async *entries(): AsyncGenerator<[string, unknown]> {
    if (!this.kv.iterator) return;
    for await (const [key, value] of this.kv.iterator(undefined)) yield [key as string, value];
  }

  async close(): Promise<void> {
    await this.kv.disconnect();
  }
}
