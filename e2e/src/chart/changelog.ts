// CHANGELOG.md's entries for one release, as ArtifactHub's `artifacthub.io/changes` annotation lists them
// (https://artifacthub.io/docs/topics/annotations/helm/): a release is a `## ` heading naming its version, its
// entries are the bullets under `### Added`, `### Changed`, … (Keep a Changelog's groups, which are ArtifactHub's
// kinds), each bullet one description with its wrapped lines joined.

export type ChangeKind = 'added' | 'changed' | 'deprecated' | 'removed' | 'fixed' | 'security';

export interface ChartChange {
  kind: ChangeKind;
  description: string;
}

const KINDS: readonly ChangeKind[] = ['added', 'changed', 'deprecated', 'removed', 'fixed', 'security'];

export class ChangelogError extends Error {
  readonly code = 'CHANGELOG_INVALID';
}

/** The entries of the release whose `## ` heading names `version` (e.g. `## Unreleased (0.1.0)`, `## 0.2.0`). */
export function changesOf(changelog: string, version: string): ChartChange[] {
  const sections = changelog.split(/^## /m).slice(1);
  const named = new RegExp(`(^|[\\s(])${version.replace(/\./g, '\\.')}([\\s)]|$)`);
  const section = sections.find((s) => named.test(s.split('\n', 1)[0] ?? ''));
  if (!section) throw new ChangelogError(`CHANGELOG.md has no "## " section for version ${version}`);
  const changes: ChartChange[] = [];
  let kind: ChangeKind | undefined;
  let current: string[] | undefined;
  const flush = () => {
    if (current && kind) changes.push({ kind, description: current.join(' ') });
    current = undefined;
  };
  for (const line of section.split('\n').slice(1)) {
    const group = /^### (\w+)/.exec(line);
    if (group) {
      flush();
      kind = KINDS.find((k) => k === group[1]!.toLowerCase());
      if (!kind) throw new ChangelogError(`CHANGELOG.md: "### ${group[1]}" is not one of ${KINDS.join(', ')}`);
    } else if (line.startsWith('- ')) {
      flush();
      if (!kind) throw new ChangelogError(`CHANGELOG.md: the entry "${line.slice(2, 40)}…" is under no "### Added"-like group`);
      current = [line.slice(2).trim()];
    } else if (current && /^\s+\S/.test(line)) {
      current.push(line.trim());
    } else {
      flush();
    }
  }
  flush();
  return changes;
}
