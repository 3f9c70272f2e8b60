// berth-proxy's command line as a person meets it, run as a real process: --help and --version answer and exit 0,
// a person's mistake (a missing file, flags that would be ignored, a storage path that is a file, a port in use)
// gets one line that says what is wrong and no stack trace.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CommandError, proxyCliCommand, run, tempDir, type TempDir } from '@berth/e2e';
import { proxyVersion } from '../src/observe/build-info.ts';

async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { command, args: base, cwd } = proxyCliCommand();
  try {
    return { code: 0, stdout: await run(command, [...base, ...args], { cwd, timeoutMs: 60_000 }), stderr: '' };
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    return { code: err.exitCode, stdout: '', stderr: err.stderr };
  }
}

describe('berth-proxy command line @real', function () {
  this.timeout(120_000);
  let work: TempDir;
  before(async () => {
    work = await tempDir('berth-cli');
  });
  after(() => work?.remove());

  const noStack = (stderr: string) => assert.doesNotMatch(stderr, /^\s+at /m, `a stack trace:\n${stderr}`);

  it('prints the usage on --help (and serve --help) and exits 0', async () => {
    for (const args of [['--help'], ['serve', '--help']]) {
      const r = await cli(args);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /berth-proxy serve --config FILE/);
      assert.match(r.stdout, /--config cannot be combined/);
    }
  });

  it('prints its version on --version', async () => {
    const r = await cli(['--version']);
    assert.equal(r.stdout.trim(), `berth-proxy ${proxyVersion()}`);
  });

  it('exits 2 with the usage for an unknown command', async () => {
    const r = await cli(['sreve']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /usage:/);
  });

  it('names a missing config file, without a stack trace', async () => {
    const r = await cli(['serve', '--config', join(work.path, 'missing.yaml')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot read .*missing\.yaml: ENOENT/);
    noStack(r.stderr);
  });

  it('refuses flags beside --config instead of ignoring them', async () => {
    const config = join(work.path, 'config.yaml');
    await writeFile(config, 'projects: [{ name: hub, registry: docker.io, upstream: "http://127.0.0.1:9" }]\n');
    const r = await cli(['serve', '--config', config, '--listen', '127.0.0.1:0', '--storage', work.path]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--config cannot be combined with --listen, --storage/);
    noStack(r.stderr);
  });

  it('says why it cannot start on a storage path that is a file, or a port in use', async () => {
    const file = join(work.path, 'a-file');
    await writeFile(file, 'not a directory');
    const onFile = await cli(['serve', '--listen', '127.0.0.1:0', '--storage', file, '--upstream', 'docker.io=http://127.0.0.1:9']);
    assert.equal(onFile.code, 1);
    assert.match(onFile.stderr, /berth-proxy: cannot start: .*(ENOTDIR|EEXIST)/);
    noStack(onFile.stderr);

    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      const inUse = await cli(['serve', '--listen', `127.0.0.1:${port}`, '--storage', join(work.path, 'store'), '--upstream', 'docker.io=http://127.0.0.1:9']);
      assert.equal(inUse.code, 1);
      assert.match(inUse.stderr, /berth-proxy: cannot start: .*EADDRINUSE/);
      noStack(inUse.stderr);
    } finally {
      taken.close();
    }
  });
});
