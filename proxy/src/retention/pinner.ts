// Pinned images (`pinned: ["library/nginx:1.27", "app@sha256:…"]`): fetched whole at start — every platform of an
// index, every layer — through the pull-through, so they are served even if the upstream is gone later. Retention
// asks `pinnedKeys()` on each pass; a pinned manifest keeps its children and blobs through their references.
import { isDigest, type Digest } from '../oci/digest.ts';
import { isIndexType, referencedDigests } from '../oci/mediatypes.ts';
import { parseRepositoryName, type RepositoryName, type Tag } from '../oci/names.ts';
import { parseImageReference } from '@berth/contracts/oci';
import type { ArtifactService } from '../cache/types.ts';
import type { Catalog } from '../index/catalog.ts';
import type { Project } from '../project.ts';

interface PinRef {
  project: Project;
  name: RepositoryName;
  reference: Tag | Digest;
}

export interface PinnerOptions {
  projects: readonly Project[];
  service: ArtifactService;
  catalog: Catalog;
  onError?: (ref: string, err: Error) => void;
  /** Delay before the first retry of pins that failed (upstream down at start); doubles up to `maxRetryMs`. Default 30 s. */
  retryMs?: number;
  /** Default 10 min. */
  maxRetryMs?: number;
  /** Called after a retry round fetched pins that had failed (retention runs then, to honour them). */
  onRecovered?: () => void;
}

export class Pinner {
  private readonly refs: PinRef[] = [];
  private readonly keys = new Set<string>();
  private readonly opts: PinnerOptions;
  /** Pins whose last fetch failed; retried on a schedule. */
  private failed: PinRef[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private retrying: Promise<void> | undefined;
  private stopped = false;

  constructor(opts: PinnerOptions) {
    this.opts = opts;
    for (const project of opts.projects) {
      for (const text of project.pinned) this.refs.push(parsePin(project, text));
    }
  }

  /** `<project>@<digest>` of every pinned manifest known so far. */
  pinnedKeys(): ReadonlySet<string> {
    return this.keys;
  }

  /** Marks what is already stored as pinned (no upstream needed), so a pass before `fetchAll` ends keeps it. */
  async resolveLocal(): Promise<void> {
    for (const ref of this.refs) {
      if (isDigest(ref.reference)) this.keys.add(`${ref.project.name}@${ref.reference}`);
      else {
        const tag = await this.opts.catalog.getTag(ref.project.name, ref.name, ref.reference);
        if (tag) this.keys.add(`${ref.project.name}@${tag.digest}`);
      }
    }
  }

  /**
   * Fetches every pinned image whole; failures are reported, the others still fetched, and the failed ones retried
   * on a schedule (an upstream down at start must not leave a pin unfetched until the next restart).
   * Resolves with the number of pins that failed this time.
   */
  async fetchAll(): Promise<number> {
    this.failed = await this.fetchEach(this.refs);
    this.scheduleRetry(this.opts.retryMs ?? 30_000);
    return this.failed.length;
  }

  /** How many pins are waiting for a retry. */
  pendingCount(): number {
    return this.failed.length;
  }

  /** Cancels retries and waits for one in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.retrying;
  }

  private async fetchEach(refs: readonly PinRef[]): Promise<PinRef[]> {
    const failed: PinRef[] = [];
    for (const ref of refs) {
      if (this.stopped) return [...failed, ...refs.slice(refs.indexOf(ref))];
      try {
        await this.fetch(ref);
      } catch (err) {
        failed.push(ref);
        this.opts.onError?.(`${ref.project.registry}/${ref.name}${isDigest(ref.reference) ? '@' : ':'}${ref.reference}`, err as Error);
      }
    }
    return failed;
  }

  private scheduleRetry(delayMs: number): void {
    if (this.failed.length === 0 || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retrying = (async () => {
        const before = this.failed.length;
        this.failed = await this.fetchEach(this.failed);
        if (this.failed.length < before) this.opts.onRecovered?.();
        this.scheduleRetry(Math.min(delayMs * 2, this.opts.maxRetryMs ?? 600_000));
      })().finally(() => (this.retrying = undefined));
    }, delayMs);
    this.retryTimer.unref();
  }

  private async fetch(ref: PinRef): Promise<void> {
    const { service } = this.opts;
    const top = await service.getManifest(ref.project, ref.name, ref.reference);
    this.keys.add(`${ref.project.name}@${top.digest}`);
    const manifests = [top];
    if (isIndexType(top.mediaType)) {
      for (const child of referencedDigests(top.body)) {
        if (isDigest(child)) manifests.push(await service.getManifest(ref.project, ref.name, child));
      }
    }
    for (const manifest of manifests) {
      if (isIndexType(manifest.mediaType)) continue;
      for (const blob of referencedDigests(manifest.body)) {
        if (!isDigest(blob)) continue;
        const body = await service.openBlob(ref.project, ref.name, blob);
        // Reading to the end is what makes the download land in the store; the bytes themselves are not needed.
        for await (const chunk of body.stream) void chunk;
      }
    }
  }
}

/** The config validator checked every entry; a bad one here is a bug, reported as such. */
function parsePin(project: Project, text: string): PinRef {
  const parsed = parseImageReference(text);
  if ('problem' in parsed) throw new Error(`pinned ${JSON.stringify(text)}: ${parsed.problem}`);
  const repo = parsed.repository;
  const name = parseRepositoryName(project.libraryPrefix && !repo.includes('/') ? `library/${repo}` : repo);
  return { project, name, reference: parsed.reference };
}
