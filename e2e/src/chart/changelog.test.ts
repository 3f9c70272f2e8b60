import assert from 'node:assert/strict';
import { changesOf, ChangelogError } from './changelog.ts';

const changelog = `# Changelog

Intro.

## Unreleased (0.2.0)

### Added

- A new thing that wraps
  onto a second line.
- Another.

### Fixed

- A bug.

## 0.1.0

### Added

- First release.
`;

describe('changesOf', () => {
  it('lists the bullets of the named release with their group as kind, wrapped lines joined', () => {
    assert.deepEqual(changesOf(changelog, '0.2.0'), [
      { kind: 'added', description: 'A new thing that wraps onto a second line.' },
      { kind: 'added', description: 'Another.' },
      { kind: 'fixed', description: 'A bug.' },
    ]);
    assert.deepEqual(changesOf(changelog, '0.1.0'), [{ kind: 'added', description: 'First release.' }]);
  });

  it('refuses a version with no section, a group ArtifactHub does not know, and a bullet under no group', () => {
    assert.throws(() => changesOf(changelog, '0.3.0'), ChangelogError);
    assert.throws(() => changesOf('## 1.0.0\n\n### Improved\n\n- x\n', '1.0.0'), /Improved/);
    assert.throws(() => changesOf('## 1.0.0\n\n- x\n', '1.0.0'), /under no/);
  });
});
