import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { Htpasswd } from './htpasswd.ts';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('Htpasswd', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-htpasswd-'));
    file = join(dir, 'htpasswd');
    const sha = `{SHA}${createHash('sha1').update('sha-pass').digest('base64')}`;
    await writeFile(file, `ci:${bcrypt.hashSync('right', 4).replace(/^\$2b\$/, '$2y$')}\nold:${sha}\n`);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('accepts the right bcrypt and {SHA} passwords, refuses wrong ones, unknown users and other schemes', async () => {
    const access = new Htpasswd(file);
    assert.equal(await access.verify(basic('ci', 'right')), true);
    assert.equal(await access.verify(basic('ci', 'wrong')), false);
    assert.equal(await access.verify(basic('old', 'sha-pass')), true);
    assert.equal(await access.verify(basic('old', 'wrong')), false);
    assert.equal(await access.verify(basic('nobody', 'right')), false);
    assert.equal(await access.verify('Bearer abc'), false);
    assert.equal(await access.verify(undefined), false);
  });

  it('remembers a verified login (no second bcrypt check), but not across a changed entry', async () => {
    const access = new Htpasswd(file, { recheckMs: 0 });
    assert.equal(await access.verify(basic('ci', 'right')), true);
    const compare = bcrypt.compare;
    let checks = 0;
    bcrypt.compare = ((...args: Parameters<typeof compare>) => (checks++, compare(...args))) as typeof compare;
    try {
      assert.equal(await access.verify(basic('ci', 'right')), true);
      assert.equal(checks, 0, 'a remembered login costs no bcrypt check');
      // The entry now has another password: the remembered login no longer counts.
      await writeFile(file, `ci:${bcrypt.hashSync('new', 4)}\n`);
      await utimes(file, new Date(), new Date(Date.now() + 5_000));
      assert.equal(await access.verify(basic('ci', 'right')), false);
      assert.equal(await access.verify(basic('ci', 'new')), true);
      assert.equal(checks, 2);
    } finally {
      bcrypt.compare = compare;
    }
  });

  it('spends a bcrypt check on an unknown user, as on a wrong password, so refusals do not reveal user names', async () => {
    const access = new Htpasswd(file);
    const compare = bcrypt.compare;
    const costs: string[] = [];
    bcrypt.compare = ((password: string, hash: string) => (costs.push(hash.slice(0, 7)), compare(password, hash))) as typeof compare;
    try {
      assert.equal(await access.verify(basic('nobody', 'right')), false);
      assert.equal(await access.verify(basic('ci', 'wrong')), false);
      assert.deepEqual(costs, ['$2b$04$', '$2b$04$'], 'the decoy has the cost of the file\'s entries');
      assert.equal(await access.verify(basic('nobody', 'right')), false);
      assert.equal(costs.length, 2, 'a repeated refusal is remembered like any other');
    } finally {
      bcrypt.compare = compare;
    }
  });

  it('reads the file again only after recheckMs, then sees an edit', async () => {
    const access = new Htpasswd(file, { recheckMs: 60_000 });
    await writeFile(file, `ci:${bcrypt.hashSync('new', 4)}\n`);
    await utimes(file, new Date(), new Date(Date.now() + 5_000));
    assert.equal(await access.verify(basic('ci', 'new')), false, 'within recheckMs the earlier read holds');
    const fresh = new Htpasswd(file, { recheckMs: 0 });
    assert.equal(await fresh.verify(basic('ci', 'new')), true);
  });

  it('checks concurrent logins one at a time and refuses past its queue with TOOMANYREQUESTS', async () => {
    const access = new Htpasswd(file, { concurrency: 1, queue: 2 });
    const results = await Promise.allSettled(['a', 'b', 'c', 'd'].map((p) => access.verify(basic('ci', p))));
    assert.deepEqual(results.slice(0, 3).map((r) => r.status === 'fulfilled' && r.value), [false, false, false]);
    assert.equal(results[3]!.status, 'rejected');
    assert.equal(((results[3] as PromiseRejectedResult).reason as { code: string }).code, 'TOOMANYREQUESTS');
  });
});
