// Properties of the request parsers over generated input (fast-check, fixed seed): whatever the target, parsing
// either yields a typed request whose name and reference match the spec grammar (nothing path-like reaches the
// store) or throws an OciError that renders as a 4xx with a spec code; a Range is inside the blob or refused.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { OciError, SPEC_ERROR_CODES } from '../oci/errors.ts';
import { isDigest } from '../oci/digest.ts';
import { isRepositoryName, isTag } from '../oci/names.ts';
import { resolveProjects } from '../project.ts';
import { parseRange } from './respond.ts';
import { parseOciRequest } from './route.ts';
import { parseTarget } from './target.ts';

const RUNS = Number(process.env.BERTH_FUZZ_RUNS ?? 2000);
const SEED = Number(process.env.BERTH_FUZZ_SEED ?? 13);
const projects = resolveProjects({
  listen: ':5000', storage: { directory: '/x' },
  projects: [
    { name: 'hub', registry: 'docker.io', upstream: 'https://registry-1.docker.io' },
    { name: 'ghcr', registry: 'ghcr.io', upstream: 'https://ghcr.io' },
  ],
});

const CHARS = fc.constantFrom(...'abcz09AZ._-/:@%?&=#[]\\ ~+', '..', '%2e', '%2f', '%00', 'sha256:', '/v2/', 'manifests/', 'blobs/', 'tags/list', 'referrers/', 'ghcr.io/', 'ns=', 'n=', 'last=');
const text = fc.array(fc.oneof(CHARS, fc.string({ maxLength: 4 })), { maxLength: 24 }).map((p) => p.join(''));
const target = fc.oneof(text.map((t) => `/v2/${t}`), text.map((t) => `/${t}`), text.map((t) => `http://${t}`), text);

/** A refusal must be an OciError whose answer is a 4xx with a spec code. */
function assertRefusal(err: unknown): void {
  assert.ok(err instanceof OciError, `not an OciError: ${String(err)}`);
  assert.ok(err.status >= 400 && err.status < 500, `status ${err.status}`);
  const code = (JSON.parse(err.body()) as { errors: { code: string }[] }).errors[0]!.code;
  assert.ok((SPEC_ERROR_CODES as readonly string[]).includes(code), code);
}

describe('request parsers: properties over generated input', () => {
  it(`parseTarget and parseOciRequest: a typed request of checked parts, or a 4xx OciError (${RUNS} runs)`, () => {
    fc.assert(fc.property(fc.constantFrom('GET', 'HEAD', 'PUT', 'DELETE'), target, (method, t) => {
      let r;
      try {
        r = parseOciRequest(method, parseTarget(t), projects);
      } catch (err) {
        assertRefusal(err);
        return;
      }
      if (!r || r.kind === 'write' || r.kind === 'catalog-root' || r.kind === 'catalog') return;
      assert.ok(isRepositoryName(r.name), r.name);
      assert.ok(!r.name.split('/').includes('..'));
      if (r.kind === 'blob' || r.kind === 'referrers') assert.ok(isDigest(r.reference));
      if (r.kind === 'manifest') assert.ok(isDigest(r.reference) || isTag(r.reference), r.reference);
    }), { numRuns: RUNS, seed: SEED });
  });

  it(`parseRange: inside the blob, or a 4xx OciError (${RUNS} runs)`, () => {
    const header = fc.oneof(
      fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => `bytes=${a}-${b}`),
      fc.nat().map((a) => `bytes=${a}-`),
      fc.nat().map((b) => `bytes=-${b}`),
      fc.string({ maxLength: 20 }).map((s) => `bytes=${s}`),
      fc.string({ maxLength: 20 }),
      fc.constantFrom('bytes=99999999999999999999-', 'bytes=-99999999999999999999', 'bytes=1-0', 'bytes=0-1,2-3'),
    );
    fc.assert(fc.property(header, fc.option(fc.nat({ max: 1 << 20 }), { nil: undefined }), (value, size) => {
      let range;
      try {
        range = parseRange(value, size);
      } catch (err) {
        assertRefusal(err);
        return;
      }
      if (!range) return;
      assert.ok(Number.isFinite(range.start) && range.start >= 0, JSON.stringify(range));
      if (size !== undefined) assert.ok(range.end <= size - 1, JSON.stringify(range));
    }), { numRuns: RUNS, seed: SEED });
  });
});
