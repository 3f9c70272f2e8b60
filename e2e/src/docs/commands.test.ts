import assert from 'node:assert/strict';
import { section, shellBlocks } from './commands.ts';

describe('docs commands', () => {
  const md = [
    '# Title',
    '## Install',
    'Text.',
    '1. Build:',
    '',
    '   ```sh',
    '   ./dev images --push "$REGISTRY"',
    '   ```',
    '```toml',
    'not = "shell"',
    '```',
    '### Sub',
    '```sh',
    'helm install x \\',
    '  --wait',
    '```',
    '## Next',
    '```sh',
    'echo outside',
    '```',
  ].join('\n');

  it('keeps the section up to the next heading of its level, subsections included', () => {
    const body = section(md, '## Install');
    assert.ok(body.includes('### Sub'));
    assert.ok(!body.includes('outside'));
    assert.throws(() => section(md, '## Missing'), /no "## Missing" heading/);
  });

  it('takes the sh blocks only, without the list indentation', () => {
    assert.deepEqual(shellBlocks(section(md, '## Install')), ['./dev images --push "$REGISTRY"', 'helm install x \\\n  --wait']);
    assert.throws(() => shellBlocks('```sh\necho'), /not closed/);
  });
});
