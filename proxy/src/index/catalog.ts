// What the proxy knows about cached artifacts, kept in keyv (embedded sqlite, or Redis for shared stores), under the
// keys of keys.ts:
//   tag      → TagRecord       which digest a tag pointed at, when that was checked
//   manifest → ManifestRecord  media type, size, references, last pulled, upstream-deleted
//   blob     → BlobRecord      size and last pulled; links a blob to the project that fetched it
//   tags     → string[]        the upstream's last tags/list answer
import Keyv from 'keyv';
import type { Digest } from '../oci/digest.ts';
import { SqliteKeyvStore } from './sqlite-store.ts';
import { blobKey, manifestKey, parseKey, tagKey, tagListKey } from './keys.ts';

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

export type CatalogArtifact =
  | { key: string; kind: 'manifest'; project: string; repo: string; digest: Digest; record: ManifestRecord }
  | { key: string; kind: 'blob'; project: string; digest: Digest; record: BlobRecord };

/** A tag record with its place, as `records()` yields it beside manifests and blobs. */
export type CatalogTag = { key: string; kind: 'tag'; project: string; repo: string; tag: string; record: TagRecord };

export class Catalog {
  private readonly kv: Keyv;

  constructor(kv: Keyv) {
    this.kv = kv;
  }

  static embedded(file: string): Catalog {
    return new Catalog(new Keyv({ store: new SqliteKeyvStore(file), namespace: 'berth' }));
  }

  /** Loads the Redis client only now: a proxy without a shared index never carries it (replicas/redis.ts). */
  static async redis(url: string): Promise<Catalog> {
    const { default: KeyvRedis } = await import('@keyv/redis');
    return new Catalog(new Keyv({ store: new KeyvRedis(url), namespace: 'berth' }));
  }

  static inMemory(): Catalog {
    return new Catalog(new Keyv({ namespace: 'berth' }));
  }

  getTag(project: string, repo: string, tag: string): Promise<TagRecord | undefined> {
    return this.kv.get<TagRecord>(tagKey(project, repo, tag));
  }
  async setTag(project: string, repo: string, tag: string, record: TagRecord): Promise<void> {
    await this.kv.set(tagKey(project, repo, tag), record);
  }
  async deleteTag(project: string, repo: string, tag: string): Promise<void> {
    await this.kv.delete(tagKey(project, repo, tag));
  }

  /**
   * Removes every tag record that points at one of these manifests (their catalog keys): retention evicted them, and
   * a tag must not name what is gone. One scan of the index per retention pass, not per eviction.
   */
  async deleteTagsOf(manifestKeys: readonly string[]): Promise<number> {
    const gone = new Set(manifestKeys);
    const stale: string[] = [];
    for await (const [key, value] of this.entries()) {
      const tag = parseKey(key);
      if (tag?.kind === 'tag' && gone.has(manifestKey(tag.project, tag.repo, (value as TagRecord).digest))) stale.push(key);
    }
    for (const key of stale) await this.kv.delete(key);
    return stale.length;
  }

  /** The last tag list the upstream gave for a repository (served when the upstream fails). */
  getTagList(project: string, repo: string): Promise<string[] | undefined> {
    return this.kv.get<string[]>(tagListKey(project, repo));
  }
  async setTagList(project: string, repo: string, tags: string[]): Promise<void> {
    await this.kv.set(tagListKey(project, repo), tags);
  }

  getManifest(project: string, repo: string, digest: Digest): Promise<ManifestRecord | undefined> {
    return this.kv.get<ManifestRecord>(manifestKey(project, repo, digest));
  }
  async setManifest(project: string, repo: string, digest: Digest, record: ManifestRecord): Promise<void> {
    await this.kv.set(manifestKey(project, repo, digest), record);
  }
  async deleteManifest(project: string, repo: string, digest: Digest): Promise<void> {
    await this.kv.delete(manifestKey(project, repo, digest));
  }

  getBlob(project: string, digest: Digest): Promise<BlobRecord | undefined> {
    return this.kv.get<BlobRecord>(blobKey(project, digest));
  }
  async setBlob(project: string, digest: Digest, record: BlobRecord): Promise<void> {
    await this.kv.set(blobKey(project, digest), record);
  }
  async deleteBlob(project: string, digest: Digest): Promise<void> {
    await this.kv.delete(blobKey(project, digest));
  }

  /** Stores a new last-pulled time on a manifest or blob record (batched by retention, off the request path). */
  async touch(key: string, lastPulled: number): Promise<void> {
    const record = await this.kv.get<{ lastPulled: number }>(key);
    if (record && record.lastPulled < lastPulled) await this.kv.set(key, { ...record, lastPulled });
  }

  async delete(key: string): Promise<void> {
    await this.kv.delete(key);
  }

  /**
   * The repositories of a project that hold at least one cached manifest, sorted: what `GET /v2/_catalog` lists.
   * One scan of the index (keyv has no prefix query that both backends share); a catalog request is rare.
   */
  async repositories(project: string): Promise<string[]> {
    const names = new Set<string>();
    for await (const [key] of this.entries()) {
      const parsed = parseKey(key);
      if (parsed?.kind === 'manifest' && parsed.project === project) names.add(parsed.repo);
    }
    return [...names].sort();
  }

  /** Every manifest, blob and tag record, parsed (for the stats' summary of what is cached). */
  async *records(): AsyncGenerator<CatalogArtifact | CatalogTag> {
    for await (const [key, value] of this.entries()) {
      const parsed = parseKey(key);
      if (parsed?.kind === 'tag') yield { key, ...parsed, record: value as TagRecord };
      else if (parsed?.kind === 'manifest') yield { key, ...parsed, record: value as ManifestRecord };
      else if (parsed?.kind === 'blob') yield { key, ...parsed, record: value as BlobRecord };
    }
  }

  /** Every manifest and blob record, parsed; for rebuilding retention's view at start. */
  async *artifacts(): AsyncGenerator<CatalogArtifact> {
    for await (const [key, value] of this.entries()) {
      const parsed = parseKey(key);
      if (parsed?.kind === 'manifest') yield { key, ...parsed, record: value as ManifestRecord };
      else if (parsed?.kind === 'blob') yield { key, ...parsed, record: value as BlobRecord };
    }
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
