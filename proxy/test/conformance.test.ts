// The OCI distribution-spec conformance suite (pinned in e2e/toolchain/versions.env, built by build.sh), read-only
// against the proxy: the image is seeded upstream and named by OCI_TAG_NAME, OCI_MANIFEST_DIGEST and OCI_BLOB_DIGEST
// (pull workflow without its push set-up) and OCI_TAG_LIST (content discovery without its push set-up), so the suite
// pushes nothing and deletes nothing. The push and content-management workflows write, and stay off.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildImage, conformanceBinary, pushImage, run, startRegistry, tempDir, CommandError, type Registry, type TempDir, type TestImage } from '@berth/e2e';
import { proxyWith, type ProxyUnderTest } from './fixture.ts';

/** Tags seeded upstream: the discovery workflow pages through them with `n` and `last`. */
const TAGS = ['v1', 'v2', 'v3', 'v4'];

/**
 * Left out, and counted as skipped: the two referrers tests that expect five referrers of the seeded manifest. The
 * suite creates those with pushes (its set-up), and the upstream here (distribution 2.8) has no referrers API to
 * hold them; the referrers test that a read-only proxy can honour (an unknown digest → an empty index) runs.
 */
const SKIP = 'listing references\\) GET request to existing blob';

interface JunitCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

/** Totals over the <testsuite> elements of the suite's junit.xml. */
function junitCounts(xml: string): JunitCounts {
  const counts: JunitCounts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const [suite] of xml.matchAll(/<testsuite\b[^>]*>/g)) {
    for (const key of Object.keys(counts) as (keyof JunitCounts)[]) {
      const match = new RegExp(`\\b${key}="(\\d+)"`).exec(suite);
      counts[key] += match ? Number(match[1]) : 0;
    }
  }
  return counts;
}

/** Names of the failed test cases, with the first line of their message. */
function junitFailures(xml: string): string[] {
  return [...xml.matchAll(/<testcase\b[^>]*\bname="([^"]*)"[^>]*>\s*<failure\b[^>]*?(?:message="([^"]*)")?/g)]
    .map(([, name, message]) => `${name}: ${(message ?? '').split('&#xA;')[0]}`);
}

describe('proxy: OCI conformance, pull workflow @real', function () {
  this.timeout(600_000);
  let upstream: Registry;
  let image: TestImage;
  let cache: ProxyUnderTest;
  let work: TempDir;

  before(async () => {
    [upstream, image, work] = await Promise.all([startRegistry(), buildImage({ layerSizes: [100_000] }), tempDir('berth-conformance')]);
    for (const tag of TAGS) await pushImage(image, `${upstream.host}/library/conformance:${tag}`);
    cache = await proxyWith([{ name: 'docker-hub', registry: 'docker.io', upstream: upstream.url }]);
  });
  after(async () => {
    await cache?.dispose();
    await Promise.all([upstream?.stop(), image?.dispose(), work?.remove()]);
  });

  it('passes every pull and content-discovery test', async () => {
    const env = {
      ...process.env,
      OCI_ROOT_URL: cache.proxy.url,
      OCI_NAMESPACE: 'docker.io/library/conformance',
      OCI_TEST_PULL: '1',
      OCI_TEST_CONTENT_DISCOVERY: '1',
      OCI_TAG_LIST: TAGS.join(','),
      OCI_HIDE_SKIPPED_WORKFLOWS: '1',
      OCI_TAG_NAME: 'v1',
      OCI_MANIFEST_DIGEST: image.manifestDigest,
      OCI_BLOB_DIGEST: image.layerDigests[0]!,
      OCI_REPORT_DIR: work.path,
    };
    let exitCode = 0;
    let output = '';
    try {
      output = await run(conformanceBinary(), [`-ginkgo.skip=${SKIP}`], { env, cwd: work.path });
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      exitCode = err.exitCode ?? -1;
      output = err.message;
    }
    const junit = await readFile(join(work.path, 'junit.xml'), 'utf8').catch(() => undefined);
    assert.ok(junit, `the suite wrote no junit.xml (exit code ${exitCode}):\n${output.slice(-3000)}`);
    const counts = junitCounts(junit);
    const summary = `${counts.tests - counts.failures - counts.errors - counts.skipped} passed of ${counts.tests} (${counts.failures} failed, ${counts.skipped} skipped)`
      + junitFailures(junit).map((f) => `\n  failed: ${f}`).join('');
    process.stdout.write(`      conformance suite: ${summary}\n`);
    assert.equal(exitCode, 0, `conformance suite: ${summary}\n${output.slice(-1500)}`);
    assert.ok(counts.tests > counts.skipped && counts.failures === 0 && counts.errors === 0, summary);
  });
});
