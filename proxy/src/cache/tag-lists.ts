// A repository's tag list: the upstream's answer, kept in the catalog and served when the upstream fails (or deleted
// the repository, for a project that keeps what it has).
import { OciError } from '../oci/errors.ts';
import type { RepositoryName } from '../oci/names.ts';
import type { Project } from '../project.ts';
import { UpstreamError } from '../upstream/errors.ts';
import { missKey, rememberMiss, type CacheContext } from './context.ts';

export class TagLists {
  constructor(private readonly ctx: CacheContext) {}

  /** Rejects with OciError NAME_UNKNOWN, or UpstreamError when no list is kept. */
  async get(project: Project, name: RepositoryName): Promise<string[]> {
    const { ctx } = this;
    const miss = missKey(project, name, 'tags', 'list');
    const remembered = ctx.misses.has(miss);
    try {
      if (remembered) throw new UpstreamError('not-found', `tags of ${name}: a remembered upstream 404`);
      const tags = await ctx.upstream(project).tags(name);
      await ctx.catalog.setTagList(project.name, name, tags);
      return tags;
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      if (!remembered) rememberMiss(ctx, err, project, miss);
      const kept = err.kind !== 'not-found' || project.keepAfterUpstreamDelete ? await ctx.catalog.getTagList(project.name, name) : undefined;
      if (kept) return kept;
      if (err.kind === 'not-found') throw new OciError('NAME_UNKNOWN', `repository ${name} is not known`);
      ctx.observer.upstreamError(project.name, err.message);
      throw err;
    }
  }
}
