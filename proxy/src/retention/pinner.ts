// Pinned images (`pinned: ["library/nginx:1.27", "app@sha256:…"]`): fetched whole at start — every platform of an
// index, every layer — through the pull-through, so they are served even if the upstream is gone later. Retention
// asks `pinnedKeys()` on each pass; a pinned manifest keeps its children and blobs through their references.
import { isDigest, type Digest } from '../oci/digest.ts';
import { isIndexType, referencedDigests } from '../oci/mediatypes.ts';
import { parseRepositoryName, parseTag, type RepositoryName, type Tag } from '../oci/names.ts';
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
}

export class Pinner {
  private readonly refs: PinRef[] = [];
  private readonly keys = new Set<string>();
  private readonly opts: PinnerOptions;

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

  /** Fetches every pinned image whole; failures are reported and the others still fetched. */
  async fetchAll(): Promise<void> {
    for (const ref of this.refs) {
      try {
        await this.fetch(ref);
      } catch (err) {
        this.opts.onError?.(`${ref.project.registry}/${ref.name}${isDigest(ref.reference) ? '@' : ':'}${ref.reference}`, err as Error);
      }
    }
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

function parsePin(project: Project, text: string): PinRef {
  const at = text.indexOf('@');
  const colon = at < 0 ? text.lastIndexOf(':') : -1;
  const repo = at >= 0 ? text.slice(0, at) : colon > text.lastIndexOf('/') ? text.slice(0, colon) : text;
  const reference = at >= 0 ? text.slice(at + 1) : colon > text.lastIndexOf('/') ? text.slice(colon + 1) : 'latest';
  const name = parseRepositoryName(project.libraryPrefix && !repo.includes('/') ? `library/${repo}` : repo);
  return { project, name, reference: isDigest(reference) ? reference : parseTag(reference) };
}
