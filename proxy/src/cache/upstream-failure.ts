// What the pull-through does when the upstream fails a question about something it may hold: serve the stored copy
// (and stop asking for a while), follow a delete, or let the failure through for the HTTP layer to answer.
import { OciError } from '../oci/errors.ts';
import type { Project } from '../project.ts';
import { UpstreamError } from '../upstream/errors.ts';
import type { CacheContext } from './context.ts';

/** While an upstream fails, how long a tag or digest served stale is served without asking again. */
export const STALE_RECHECK_MS = 30_000;

export interface FailureHandling<T> {
  /** The stored copy, if any. */
  cached: T | undefined;
  /** The upstream deleted it and the project keeps what it has: mark the records so. */
  markDeleted: () => Promise<void>;
  /** The upstream deleted it and the project follows deletes: forget the records. */
  forget: () => Promise<void>;
  /** The answer when nothing is served: "not known". */
  unknown: () => OciError;
  /** Where an outage served stale is remembered. */
  staleKey: string;
}

/**
 * Serves `cached` or rejects: OciError (`unknown()`) for an upstream 404 the project does not outlive, the
 * UpstreamError itself for any other upstream failure when nothing is stored, and anything else as it is.
 */
export async function onUpstreamFailure<T>(ctx: CacheContext, err: unknown, project: Project, how: FailureHandling<T>): Promise<T> {
  if (!(err instanceof UpstreamError)) throw err;
  if (err.kind === 'not-found') {
    if (how.cached !== undefined && project.keepAfterUpstreamDelete) {
      await how.markDeleted();
      ctx.observer.upstreamDeleted(project.name);
      return how.cached;
    }
    if (how.cached !== undefined) await how.forget();
    throw how.unknown();
  }
  ctx.observer.upstreamError(project.name, err.message);
  if (how.cached !== undefined) {
    ctx.servedStale.remember(how.staleKey, Math.min(project.tagTtlMs, STALE_RECHECK_MS));
    return how.cached;
  }
  throw err;
}
