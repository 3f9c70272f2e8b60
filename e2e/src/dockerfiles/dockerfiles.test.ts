// Berth's Dockerfiles, checked as text: there is no Docker engine on the machines that run the tests, so this
// holds them to the rules a build could not show here — Node 24, multi-stage, `pnpm deploy` of one package,
// a non-root user, nothing fetched from URLs, nothing that writes to a read-only root filesystem at start.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { e2ePackageDir } from '../cluster/layout.ts';
import { envAssignments, expandArgs, globalArgs, parseDockerfile, type Stage } from './dockerfile.ts';

const root = join(e2ePackageDir(), '..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

const images = [
  { dockerfile: 'proxy/Dockerfile', pkg: '@berth/proxy', bin: '/app/bin/berth-proxy' },
  { dockerfile: 'operator/Dockerfile', pkg: '@berth/operator', bin: '/app/bin/berth-operator' },
];

describe('Dockerfiles', () => {
  for (const image of images) {
    describe(image.dockerfile, () => {
      const text = read(image.dockerfile);
      const stages = parseDockerfile(text);
      const args = globalArgs(text);
      const final = stages.at(-1) as Stage;
      const all = (keyword: string, stage?: Stage) =>
        (stage ? [stage] : stages).flatMap((s) => s.instructions.filter((i) => i.keyword === keyword));

      it('is multi-stage and every stage starts from Node 24, by default a public image', () => {
        assert.ok(stages.length >= 2, `${stages.length} stage(s)`);
        for (const stage of stages) {
          const base = expandArgs(stage.base, args);
          // Fully qualified: buildah refuses short names when no search registries are configured.
          assert.match(base, /^docker\.io\/library\/node:24(\.|-|$)|^gcr\.io\/distroless\/nodejs24-/, `FROM ${stage.base} = ${base}`);
        }
      });

      it('takes its bases as build arguments, and trusts extra CAs only when given one', () => {
        assert.equal((stages[0] as Stage).base, '${BUILD_BASE}');
        assert.equal((stages.at(-1) as Stage).base, '${RUNTIME_BASE}');
        const extraCa = all('ARG', stages[0]).find((i) => i.args.startsWith('NODE_EXTRA_CA_CERTS'));
        assert.equal(extraCa?.args, 'NODE_EXTRA_CA_CERTS=', 'an empty default: node ignores it');
        assert.deepEqual(all('ARG', final).map((i) => i.args), ['SOURCE_DATE_EPOCH='], 'only the build time reaches the runtime stage');
      });

      it('leaves no install time in the deployed package', () => {
        assert.match(all('RUN').map((i) => i.args).join('\n'), /rm -f \/out\/node_modules\/\.modules\.yaml/);
      });

      it('deploys only its own package with production dependencies', () => {
        const runs = all('RUN').map((i) => i.args).join('\n');
        assert.match(runs, new RegExp(`pnpm --filter ${image.pkg} deploy --prod`));
        const copies = all('COPY', final).map((i) => i.args);
        assert.ok(copies.length > 0 && copies.every((c) => c.includes('--from=')), `final stage copies: ${copies.join('; ')}`);
      });

      it('installs the pnpm version the repository pins', () => {
        const pinned = (JSON.parse(read('package.json')) as { packageManager: string }).packageManager;
        assert.ok(all('RUN').some((i) => i.args.includes(pinned)), `no RUN installs ${pinned}`);
      });

      it('runs as a numeric non-root user', () => {
        const users = all('USER', final);
        assert.ok(users.length > 0, 'the final stage sets no USER');
        const [uid, gid] = (users.at(-1) as { args: string }).args.split(':');
        assert.match(uid ?? '', /^\d+$/, 'a numeric uid, so runAsNonRoot can check it');
        assert.notEqual(Number(uid), 0);
        if (gid !== undefined) assert.notEqual(Number(gid), 0);
      });

      it('fetches nothing from URLs with ADD', () => {
        for (const add of all('ADD')) assert.doesNotMatch(add.args, /https?:\/\/|git@/, `ADD ${add.args}`);
      });

      it('starts node directly, with nothing that writes to the root filesystem', () => {
        const entry = all('ENTRYPOINT', final).at(-1);
        assert.ok(entry, 'no ENTRYPOINT');
        const argv = JSON.parse(entry.args) as string[]; // exec form: no shell, signals reach node
        assert.equal(argv[0], 'node');
        assert.equal(argv.at(-1), image.bin);
        const env = Object.assign({}, ...all('ENV', final).map((i) => envAssignments(i.args))) as Record<string, string>;
        // Heap sizes only: flags like --report-directory or a compile cache would write to the root filesystem.
        for (const flag of (env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean)) {
          assert.match(flag, /^--max-(semi|old)-space-size=\d+$/, `NODE_OPTIONS holds ${flag}`);
        }
        for (const flag of argv.slice(1, -1)) assert.match(flag, /^--initial-old-space-size=\d+$/, `node is started with ${flag}`);
        assert.equal(env.NODE_COMPILE_CACHE, undefined, 'a compile cache writes to disk');
        assert.deepEqual(all('RUN', final), [], 'the runtime stage runs nothing at build time either');
      });
    });
  }

  it('.dockerignore keeps dependencies, build output and local state out of the context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const entry of ['**/node_modules', '**/dist', '.git', 'e2e/.cluster']) assert.ok(ignored.includes(entry), `${entry} missing`);
  });
});

describe('parseDockerfile', () => {
  it('splits stages and joins continued lines', () => {
    const stages = parseDockerfile('FROM a:1 AS build\nRUN one \\\n  # note\n  two\nFROM --platform=x b:2\nUSER 1:1\n');
    assert.deepEqual(stages, [
      { base: 'a:1', name: 'build', instructions: [{ keyword: 'RUN', args: 'one two' }] },
      { base: 'b:2', instructions: [{ keyword: 'USER', args: '1:1' }] },
    ]);
  });

  it('reads the ARG defaults a FROM line expands', () => {
    const args = globalArgs('ARG A=x:1\nARG B\nFROM ${A} AS a\nARG C=2\n');
    assert.deepEqual(args, { A: 'x:1', B: '' });
    assert.equal(expandArgs('${A}/$B-$C', args), 'x:1/-');
  });

  it('reads both ENV forms', () => {
    assert.deepEqual(envAssignments('A=1 B="x y"'), { A: '1', B: 'x y' });
    assert.deepEqual(envAssignments('A 1 2'), { A: '1 2' });
  });
});
