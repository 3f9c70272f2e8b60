import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import type { PodAdmission } from './admission.ts';
import { applyPatch, pod, project, rule } from './fixtures.test-helper.ts';
import { mutatePod, type MutateDeps } from './mutate.ts';
import { AUDIT_IMAGES, ORIGINAL_IMAGES, SKIPPED_IMAGES } from './patch.ts';
import type { RewriteRule } from './rules.ts';
import type { CheckRequest, CheckResult } from './upstream-check.ts';

const D = `sha256:${'b'.repeat(64)}`;
const OPTED_IN = { 'berth.dev/pod-image-rewrite': 'enabled' };

/** A run of the webhook over one pod: what it patched, recorded and asked the cache. */
async function admit(p: V1Pod, opts: { rules: RewriteRule[]; labels?: Record<string, Record<string, string>>; cacheHas?: (r: CheckRequest) => boolean; old?: V1Pod; dryRun?: boolean; namespace?: string }) {
  const records: string[] = [];
  const checks: CheckRequest[] = [];
  const deps: MutateDeps = {
    rules: () => opts.rules,
    namespaceLabels: (ns) => (opts.labels ?? ({ apps: OPTED_IN } as Record<string, Record<string, string>>))[ns],
    check: async (r): Promise<CheckResult> => {
      checks.push(r);
      return (opts.cacheHas ?? (() => true))(r) ? { ok: true, fresh: true } : { ok: false, message: 'the cache answered 404', fresh: true };
    },
    record: {
      rewritten: (r, mode) => records.push(`${mode} ${r.key}`),
      skipped: (r, reason) => records.push(`skip ${r.key} ${reason}`),
      checkFailed: (r, image, _m, podName) => records.push(`checkFailed ${r.key} ${image} ${podName}`),
    },
    protectedNamespaces: new Set(['berth-system', 'kube-system']),
  };
  const namespace = opts.namespace ?? p.metadata?.namespace ?? 'apps';
  const review: PodAdmission = { uid: 'u', operation: opts.old ? 'UPDATE' : 'CREATE', namespace, name: p.metadata?.name ?? '', dryRun: opts.dryRun ?? false, pod: p, ...(opts.old ? { oldPod: opts.old } : {}) };
  const result = await mutatePod(review, deps);
  const after = applyPatch(p, result.patch);
  const images = [...(after.spec?.initContainers ?? []), ...(after.spec?.containers ?? []), ...(after.spec?.ephemeralContainers ?? [])].map((c) => c.image);
  const annotation = (name: string) => JSON.parse(after.metadata?.annotations?.[name] ?? '{}') as Record<string, string>;
  return { result, after, images, records, checks, annotation };
}

describe('webhook: one pod admission', () => {
  const quay = rule(project('quay'), { servesCluster: true });

  it('rewrites containers, every init container and ephemeral containers, by tag and by digest, and keeps the originals', async () => {
    const p = pod({
      initContainers: [{ name: 'i1', image: 'quay.io/org/init:v1' }, { name: 'i2', image: `quay.io/org/init@${D}` }],
      containers: [{ name: 'app', image: 'quay.io/org/app:v1' }, { name: 'side', image: `quay.io/org/side:v2@${D}` }],
      ephemeralContainers: [{ name: 'debug', image: 'quay.io/org/debug:v1' }],
    });
    const { images, annotation, records } = await admit(p, { rules: [quay] });
    assert.deepEqual(images, ['10.96.0.10:5000/quay.io/org/init:v1', `10.96.0.10:5000/quay.io/org/init@${D}`, '10.96.0.10:5000/quay.io/org/app:v1', `10.96.0.10:5000/quay.io/org/side:v2@${D}`, '10.96.0.10:5000/quay.io/org/debug:v1']);
    assert.deepEqual(annotation(ORIGINAL_IMAGES), {
      'containers/app': 'quay.io/org/app:v1', 'containers/side': `quay.io/org/side:v2@${D}`, 'ephemeralContainers/debug': 'quay.io/org/debug:v1',
      'initContainers/i1': 'quay.io/org/init:v1', 'initContainers/i2': `quay.io/org/init@${D}`,
    });
    assert.equal(records.filter((r) => r === 'Rewrite caches/quay').length, 5);
  });

  it('leaves images of other registries alone and counts nothing for them', async () => {
    const { result, records } = await admit(pod({ containers: [{ name: 'a', image: 'nginx:1.27' }, { name: 'b', image: 'ghcr.io/org/b:v1' }] }), { rules: [quay] });
    assert.deepEqual([result.patch, records], [[], []]);
  });

  const untouched: [string, V1Pod, Parameters<typeof admit>[1]][] = [
    ['a namespace not opted in', pod({ containers: [{ name: 'a', image: 'quay.io/org/a:v1' }] }), { rules: [quay], labels: { apps: {} } }],
    ['a pod that opted out', pod({ containers: [{ name: 'a', image: 'quay.io/org/a:v1' }] }, { labels: { 'berth.dev/pod-image-rewrite': 'disabled' } }), { rules: [quay] }],
    ['kube-system', pod({ containers: [{ name: 'a', image: 'quay.io/org/a:v1' }] }, { namespace: 'kube-system' }), { rules: [quay], labels: { 'kube-system': OPTED_IN } }],
    ["the operator's namespace", pod({ containers: [{ name: 'a', image: 'quay.io/org/a:v1' }] }, { namespace: 'berth-system' }), { rules: [quay], labels: { 'berth-system': OPTED_IN } }],
    ["a cache's own proxy pod", pod({ containers: [{ name: 'proxy', image: 'quay.io/berth/proxy:1' }] }, { labels: { 'app.kubernetes.io/name': 'berth-proxy', 'app.kubernetes.io/managed-by': 'berth-operator' } }), { rules: [quay] }],
    ['a project of another namespace not trusted to serve the cluster', pod({ containers: [{ name: 'a', image: 'quay.io/org/a:v1' }] }), { rules: [rule(project('quay'), { servesCluster: false })] }],
  ];
  for (const [name, p, opts] of untouched) {
    it(`never touches ${name}`, async () => {
      const { result, records, checks } = await admit(p, opts);
      assert.deepEqual([result.patch, records, checks], [[], [], []]);
    });
  }

  it("rewrites in the project's own namespace without any trust label", async () => {
    const own = rule(project('quay', { namespace: 'apps' }), { servesCluster: false });
    const { images } = await admit(pod({ containers: [{ name: 'a', image: 'quay.io/org/a:v1' }] }), { rules: [own] });
    assert.deepEqual(images, ['10.96.0.10:5000/quay.io/org/a:v1']);
  });

  it('keeps an image the cache cannot serve, with a warning, a skip annotation and a check failure on record', async () => {
    const { images, result, records, annotation } = await admit(pod({ containers: [{ name: 'a', image: 'quay.io/org/gone:v9' }, { name: 'b', image: 'quay.io/org/b:v1' }] }, { name: 'web' }), {
      rules: [quay], cacheHas: (r) => r.ref.repository !== 'org/gone',
    });
    assert.deepEqual(images, ['quay.io/org/gone:v9', '10.96.0.10:5000/quay.io/org/b:v1']);
    assert.deepEqual(annotation(SKIPPED_IMAGES), { 'containers/a': 'CheckFailed' });
    assert.match(result.warnings[0] ?? '', /containers\/a keeps quay\.io\/org\/gone:v9: the cache answered 404/);
    assert.deepEqual(records.sort(), ['Rewrite caches/quay', 'checkFailed caches/quay quay.io/org/gone:v9 apps/web', 'skip caches/quay CheckFailed']);
  });

  it('falls back to the next project of the registry when the first cannot serve the image', async () => {
    const second = rule(project('quay-b', { namespace: 'other', created: '2026-02-01T00:00:00Z' }), { ip: '10.96.0.11', servesCluster: true });
    const { images, checks } = await admit(pod({ containers: [{ name: 'a', image: 'quay.io/org/a:v1' }] }), { rules: [second, quay], cacheHas: (r) => r.cacheUrl.includes('10.96.0.11') });
    assert.deepEqual(checks.map((c) => c.cacheUrl), ['http://10.96.0.10:5000', 'http://10.96.0.11:5000']);
    assert.deepEqual(images, ['10.96.0.11:5000/quay.io/org/a:v1']);
  });

  it('match and exclude decide which images of the registry go to the cache', async () => {
    // c has no tag: patterns read it as :latest, the tag a runtime pulls
    const picky = rule(project('quay', { rewrite: { match: ['^quay\\.io/org/'], exclude: [':latest$', '/secret-'] } }), { servesCluster: true });
    const { images, annotation, records } = await admit(pod({ containers: [
      { name: 'a', image: 'quay.io/org/a:v1' }, { name: 'b', image: 'quay.io/other/b:v1' }, { name: 'c', image: 'quay.io/org/c' }, { name: 'd', image: 'quay.io/org/secret-d:v1' },
    ] }), { rules: [picky] });
    assert.deepEqual(images, ['10.96.0.10:5000/quay.io/org/a:v1', 'quay.io/other/b:v1', 'quay.io/org/c', 'quay.io/org/secret-d:v1']);
    assert.deepEqual(annotation(SKIPPED_IMAGES), { 'containers/b': 'NotMatched', 'containers/c': 'Excluded', 'containers/d': 'Excluded' });
    assert.deepEqual(records.sort(), ['Rewrite caches/quay', 'skip caches/quay Excluded', 'skip caches/quay Excluded', 'skip caches/quay NotMatched']);
  });

  it('checkUpstream: false rewrites without asking', async () => {
    const blind = rule(project('quay', { rewrite: { checkUpstream: { enabled: false } } }), { servesCluster: true });
    const { images, checks } = await admit(pod({ containers: [{ name: 'a', image: 'quay.io/org/a:v1' }] }), { rules: [blind], cacheHas: () => false });
    assert.deepEqual([images, checks.length], [['10.96.0.10:5000/quay.io/org/a:v1'], 0]);
  });

  it('asks for the platforms configured and the one the pod\'s nodeSelector pins', async () => {
    const platforms = rule(project('quay', { rewrite: { checkUpstream: { platforms: ['linux/amd64'], podPlatform: true } } }), { servesCluster: true });
    const { checks } = await admit(pod({ containers: [{ name: 'a', image: 'quay.io/org/a:v1' }], nodeSelector: { 'kubernetes.io/arch': 'arm64' } }), { rules: [platforms] });
    assert.deepEqual(checks[0]?.platforms, ['linux/amd64', 'linux/arm64']);
  });

  it('Audit mode annotates what it would rewrite and changes no image', async () => {
    const audit = rule(project('quay', { rewrite: { mode: 'Audit' } }), { servesCluster: true });
    const { images, annotation, records } = await admit(pod({ containers: [{ name: 'a', image: 'quay.io/org/a:v1' }] }), { rules: [audit] });
    assert.deepEqual(images, ['quay.io/org/a:v1']);
    assert.deepEqual(annotation(AUDIT_IMAGES), { 'containers/a': '10.96.0.10:5000/quay.io/org/a:v1' });
    assert.deepEqual(annotation(ORIGINAL_IMAGES), {});
    assert.deepEqual(records, ['Audit caches/quay']);
  });

  it('imagePullPolicy Never keeps its image: the node must have it under that name', async () => {
    const { images, annotation } = await admit(pod({ containers: [{ name: 'a', image: 'quay.io/org/a:v1', imagePullPolicy: 'Never' }] }), { rules: [quay] });
    assert.deepEqual([images, annotation(SKIPPED_IMAGES)], [['quay.io/org/a:v1'], { 'containers/a': 'PullPolicyNever' }]);
  });

  it('a reinvocation after another webhook\'s change finds its own rewrite and leaves it, uncounted', async () => {
    const first = await admit(pod({ containers: [{ name: 'a', image: 'quay.io/org/a:v1' }] }), { rules: [quay] });
    const again = await admit(first.after, { rules: [quay] });
    assert.deepEqual([again.result.patch, again.records, again.checks], [[], [], []]);
  });

  it('a pod that names the cache itself is counted AlreadyOnCache and left alone', async () => {
    const { result, records } = await admit(pod({ containers: [{ name: 'a', image: '10.96.0.10:5000/quay.io/org/a:v1' }] }), { rules: [quay] });
    assert.deepEqual([result.patch, records], [[], ['skip caches/quay AlreadyOnCache']]);
  });

  it('an update rewrites only the images that changed and keeps the other records', async () => {
    const created = (await admit(pod({ containers: [{ name: 'a', image: 'quay.io/org/a:v1' }, { name: 'b', image: 'quay.io/org/b:v1' }] }), { rules: [quay] })).after;
    const edited = structuredClone(created);
    edited.spec!.containers[1]!.image = 'quay.io/org/b:v2';
    const { images, annotation, records } = await admit(edited, { rules: [quay], old: created });
    assert.deepEqual(images, ['10.96.0.10:5000/quay.io/org/a:v1', '10.96.0.10:5000/quay.io/org/b:v2']);
    assert.deepEqual(annotation(ORIGINAL_IMAGES), { 'containers/a': 'quay.io/org/a:v1', 'containers/b': 'quay.io/org/b:v2' });
    assert.deepEqual(records, ['Rewrite caches/quay']);
  });

  it('an update that changes no image (labels, status) is answered with no patch and counted nowhere', async () => {
    const created = (await admit(pod({ containers: [{ name: 'a', image: 'quay.io/org/a:v1' }] }), { rules: [quay] })).after;
    const relabelled = structuredClone(created);
    relabelled.metadata!.labels = { more: 'x' };
    const { result, records } = await admit(relabelled, { rules: [quay], old: created });
    assert.deepEqual([result.patch, records], [[], []]);
  });

  it('a dry run gets the same patch and leaves no record', async () => {
    const { images, records } = await admit(pod({ containers: [{ name: 'a', image: 'quay.io/org/gone:v1' }, { name: 'b', image: 'quay.io/org/b:v1' }] }), { rules: [quay], dryRun: true, cacheHas: (r) => r.ref.repository !== 'org/gone' });
    assert.deepEqual([images, records], [['quay.io/org/gone:v1', '10.96.0.10:5000/quay.io/org/b:v1'], []]);
  });
});
