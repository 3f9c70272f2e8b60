// `./dev pnpm bench:runs` as README and bench/README give it: issue 12's targets over the full runs committed in
// bench/results/ that measured the newest one's commit.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { repoRoot } from '@berth/e2e';
import { readFullRuns } from '../src/write-results.ts';

describe('bench:runs on the committed results', function () {
  this.timeout(60_000);

  it('reads every full run of the newest run\'s commit, and gives each target its verdicts and figures', async () => {
    const root = repoRoot();
    const full = await readFullRuns();
    const commit = full.at(-1)?.commit;
    assert.ok(commit, 'the newest full run records its commit');
    const ofCommit = full.filter((r) => r.commit === commit);

    const { stdout } = await promisify(execFile)('./dev', ['pnpm', '--silent', 'bench:runs'], { cwd: root });
    assert.match(stdout, new RegExp(`over ${ofCommit.length} full runs?`));
    assert.equal(stdout.split(`(${commit})`).length - 1, ofCommit.length, 'each run named with its commit');
    const row = stdout.split('\n').find((l) => l.startsWith('| kubelet pulling the 200 MB image through Berth, cold'));
    assert.match(row ?? '', new RegExp(`\\| \\d of \\d \\| \\d\\.\\d\\d× \\| (\\d\\.\\d\\d|—)( · (\\d\\.\\d\\d|—)){${ofCommit.length - 1}} \\|$`));
  });
});
