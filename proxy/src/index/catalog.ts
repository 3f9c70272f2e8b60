// What the proxy knows about cached artifacts, kept in keyv (embedded sqlite, or Redis for shared stores):
//   tag:<project>/<repo>:<tag>         → TagRecord       which digest a tag pointed at, when that was checked
//   manifest:<project>/<repo>@<digest> → ManifestRecord  media type, size, references, last pulled, upstream-deleted
//   blob:<project>@<digest>            → BlobRecord      size and last pulled; links a blob to the project that fetched it
//   tags:<project>/<repo>              → string[]        the upstream's last tags/list answer
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

function tagKey(project: string, repo: string, tag: string): string {
  return `tag:${project}/${repo}:${tag}`;
}

/** The catalog key of a manifest in one repository of a project. */
export function manifestKey(project: string, repo: string, digest: string): string {
  return `manifest:${project}/${repo}@${digest}`;
}

/** The catalog key of a blob linked to a project. */
export function blobKey(project: string, digest: string): string {
  return `blob:${project}@${digest}`;
}

export type CatalogArtifact =
  | { key: string; kind: 'manifest'; project: string; repo: string; digest: Digest; record: ManifestRecord }
  | { key: string; kind: 'blob'; project: string; digest: Digest; record: BlobRecord };

/** A tag record with its place, as `records()` yields it beside manifests and blobs. */
export type CatalogTag = { key: string; kind: 'tag'; project: string; repo: string; tag: string; record: TagRecord };

const TAG_PARTS = /^tag:([a-z0-9-]+)\/(.+):([^:/]+)$/;
const MANIFEST_KEY = /^manifest:([a-z0-9-]+)\/(.+)@([a-z0-9]+:[a-f0-9]+)$/;
const TAG_KEY = /^tag:([a-z0-9-]+\/.+):[^:/]+$/;
const BLOB_KEY = /^blob:([a-z0-9-]+)@([a-z0-9]+:[a-f0-9]+)$/;

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
    return this.kv.get<TagRecord>(tagKey(project, repo, tag));
  }
  async setTag(project: string, repo: string, tag: string, record: TagRecord): Promise<void> {
    await this.kv.set(tagKey(project, repo, tag), record);
  }
  async deleteTag(project: string, repo: string, tag: string): Promise<void> {
    await this.kv.delete(tagKey(project, repo, tag));
  }

  /**
   * Removes every tag record that points at one of these manifests (`<project>/<repo>@<digest>`): retention evicted
   * them, and a tag must not name what is gone. One scan of the index per retention pass, not per eviction.
   */
  async deleteTagsOf(manifests: readonly string[]): Promise<number> {
    const gone = new Set(manifests);
    const stale: string[] = [];
    for await (const [key, value] of this.entries()) {
      const m = TAG_KEY.exec(key);
      if (m && gone.has(`${m[1]}@${(value as TagRecord).digest}`)) stale.push(key);
    }
    for (const key of stale) await this.kv.delete(key);
    return stale.length;
  }

  /** The last tag list the upstream gave for a repository (served when the upstream fails). */
  getTagList(project: string, repo: string): Promise<string[] | undefined> {
    return this.kv.get<string[]>(`tags:${project}/${repo}`);
  }
  async setTagList(project: string, repo: string, tags: string[]): Promise<void> {
    await this.kv.set(`tags:${project}/${repo}`, tags);
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
      const m = MANIFEST_KEY.exec(key);
      if (m && m[1] === project) names.add(m[2]!);
    }
    return [...names].sort();
  }

  /** Every manifest and blob record, parsed; for rebuilding retention's view at start. */
  async *artifacts(): AsyncGenerator<CatalogArtifact> {
    for await (const r of this.records()) if (r.kind !== 'tag') yield r;
  }

  /** Every manifest, blob and tag record, parsed (for the stats' summary of what is cached). */
  async *records(): AsyncGenerator<CatalogArtifact | CatalogTag> {
    for await (const [key, value] of this.entries()) {
      const t = TAG_PARTS.exec(key);
      if (t) {
        yield { key, kind: 'tag', project: t[1]!, repo: t[2]!, tag: t[3]!, record: value as TagRecord };
        continue;
      }
      const m = MANIFEST_KEY.exec(key);
      if (m) {
        yield { key, kind: 'manifest', project: m[1]!, repo: m[2]!, digest: m[3] as Digest, record: value as ManifestRecord };
        continue;
      }
      const b = BLOB_KEY.exec(key);
      if (b) yield { key, kind: 'blob', project: b[1]!, digest: b[2] as Digest, record: value as BlobRecord };
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
