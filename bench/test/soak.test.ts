// The soak, short and seeded, with the other tests: a real proxy (from source), three real docker-registries (one
// stopped and started again), a dozen clients pulling the whole mix. It checks correctness only — every answer
// what it should have been, the sampler sampling — never timing or memory: those are the full run's
// (`./dev pnpm soak`, docs/contributing.md).
import assert from 'node:assert/strict';
import { DEFAULT_FDS_RULE, DEFAULT_RSS_RULE, DEFAULT_WEIGHTS, PULL_KINDS } from '../src/soak/options.ts';
import { SMALL_SIZES } from '../src/soak/sizes.ts';
import { runSoak, type SoakResults } from '../src/soak/soak.ts';

describe('soak: a short seeded run of mixed pulls against a real proxy @real', function () {
  this.timeout(240_000);
  let results: SoakResults;

  before(async () => {
    results = await runSoak({
      durationMs: 25_000,
      clients: 12,
      seed: 13,
      sampleMs: 1_000,
      thinkMs: 100,
      outageEveryMs: 12_000,
      outageForMs: 6_000,
      sizes: SMALL_SIZES,
      weights: DEFAULT_WEIGHTS,
      rss: DEFAULT_RSS_RULE,
      fds: DEFAULT_FDS_RULE,
      fromSource: true,
    }, () => {});
  });

  it('gets every answer it should: content, 404s, 401s, 502s while the flaky upstream is down', () => {
    const listed = results.failures.flatMap((g) => g.examples.map((f) => `${g.key} ×${g.count}: ${f.request}: expected ${f.expected}, got ${f.got} (${f.why})`));
    assert.deepEqual(listed, []);
    assert.equal(results.verdict.reasons.some((r) => r.startsWith('ok   every answer')), true);
  });

  it('ran every kind of pull, through an outage of the flaky upstream', () => {
    for (const kind of PULL_KINDS) assert.ok((results.kinds[kind]?.pulls ?? 0) > 0, `no ${kind} pull ran`);
    assert.ok(results.outages >= 1);
    assert.ok(results.pushed.cold > 0, 'no cold image was pushed during the run');
  });

  it('sampled the proxy: RSS and open fds of a live process, at each interval', () => {
    assert.ok(results.samples.length >= 10, `${results.samples.length} samples`);
    for (const s of results.samples) {
      assert.ok(s.rssMiB > 0 && s.fds > 0, JSON.stringify(s));
    }
    assert.ok(results.samples.some((s) => s.requestsPerSecond > 0));
  });
});
