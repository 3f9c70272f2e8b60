// Blob downloads in flight, by digest and by the project that started each. A project serves a blob only when that
// project has it, stored or in flight: a download is no way around another project's access rule, so lookups name
// the project (issue 13). Two projects fetching one digest at once each download it from their own upstream.
import type { Digest } from '../oci/digest.ts';

export class InFlight<T> {
  private readonly byDigest = new Map<Digest, Map<string, T>>();

  /** The download `project` started for `digest`. */
  get(project: string, digest: Digest): T | undefined {
    return this.byDigest.get(digest)?.get(project);
  }

  /** Some project's download of `digest`: only for a project that has the blob already (its index links it). */
  any(digest: Digest): T | undefined {
    const projects = this.byDigest.get(digest);
    return projects?.values().next().value;
  }

  set(project: string, digest: Digest, value: T): void {
    let projects = this.byDigest.get(digest);
    if (!projects) this.byDigest.set(digest, (projects = new Map()));
    projects.set(project, value);
  }

  /** Forgets the download if it is still `value` (a later download of the same key stays). */
  delete(project: string, digest: Digest, value: T): void {
    const projects = this.byDigest.get(digest);
    if (projects?.get(project) !== value) return;
    projects.delete(project);
    if (projects.size === 0) this.byDigest.delete(digest);
  }
}
