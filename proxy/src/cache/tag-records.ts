// Which digest each tag pointed at when it was last checked: hot records in memory, written through to the catalog,
// so a warm pull by tag reads no index.
import type { Catalog, TagRecord } from '../index/catalog.ts';
import { Memo } from '../util/memo.ts';

export class TagRecords {
  private readonly memo = new Memo<TagRecord>(50_000);

  constructor(private readonly catalog: Catalog) {}

  /** The record in memory, or undefined (it may still be in the catalog: `get`). */
  hot(project: string, name: string, tag: string): TagRecord | undefined {
    return this.memo.get(memoKey(project, name, tag));
  }

  async get(project: string, name: string, tag: string): Promise<TagRecord | undefined> {
    const key = memoKey(project, name, tag);
    const hot = this.memo.get(key);
    if (hot) return hot;
    const record = await this.catalog.getTag(project, name, tag);
    if (record) this.memo.set(key, record);
    return record;
  }

  /** Writes through to the catalog; `undefined` forgets the tag. */
  async set(project: string, name: string, tag: string, record: TagRecord | undefined): Promise<void> {
    const key = memoKey(project, name, tag);
    if (record) {
      this.memo.set(key, record);
      await this.catalog.setTag(project, name, tag, record);
    } else {
      this.memo.delete(key);
      await this.catalog.deleteTag(project, name, tag);
    }
  }
}

function memoKey(project: string, name: string, tag: string): string {
  return `${project}/${name}:${tag}`;
}
