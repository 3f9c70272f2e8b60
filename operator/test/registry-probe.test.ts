// The RegistryEndpoint probe against real registries: Debian's docker-registry with no auth, with htpasswd
// (Basic), and behind the test bed's token service (Bearer), and one that is not running.
import assert from 'node:assert/strict';
import { freePort, startRegistry, type Registry } from '@berth/e2e';
import { probeRegistry, type ProbeResult } from '../src/endpoint/registry-probe.ts';

const PASSWORD = 'pr0be-Secret-value';

function assertNoSecret(result: ProbeResult): void {
  assert.ok(!JSON.stringify(result).includes(PASSWORD), 'the password appears in the probe result');
}

describe('registry probe @real', function () {
  const registries: Registry[] = [];
  let open: Registry;
  let basic: Registry;
  let token: Registry;

  before(async function () {
    open = await startRegistry();
    registries.push(open);
    basic = await startRegistry({ htpasswd: { username: 'puller', password: PASSWORD } });
    registries.push(basic);
    token = await startRegistry({ tokenAuth: true, htpasswd: { username: 'puller', password: PASSWORD } });
    registries.push(token);
  });

  after(async () => {
    await Promise.all(registries.map((r) => r.stop()));
  });

  it('reaches an open registry anonymously', async () => {
    const r = await probeRegistry({ url: open.url });
    assert.deepEqual([r.ok, r.reason], [true, 'Reachable']);
  });

  it('Basic: accepts the right credentials, names wrong or missing ones', async () => {
    const good = await probeRegistry({ url: basic.url, credentials: { username: 'puller', password: PASSWORD } });
    assert.deepEqual([good.ok, good.reason], [true, 'Authenticated']);
    const wrong = await probeRegistry({ url: basic.url, credentials: { username: 'puller', password: `${PASSWORD}x` } });
    assert.deepEqual([wrong.ok, wrong.reason], [false, 'WrongCredentials']);
    assert.match(wrong.message, /update the Secret/);
    const none = await probeRegistry({ url: basic.url });
    assert.deepEqual([none.ok, none.reason], [false, 'CredentialsRequired']);
    [good, wrong, none].forEach(assertNoSecret);
  });

  it('Bearer: exchanges the credentials for a token, and names wrong ones', async () => {
    const good = await probeRegistry({ url: token.url, credentials: { username: 'puller', password: PASSWORD } });
    assert.deepEqual([good.ok, good.reason, good.message], [true, 'Authenticated', `${token.host} accepted the credentials (token)`]);
    const wrong = await probeRegistry({ url: token.url, credentials: { username: 'puller', password: 'nope' } });
    assert.deepEqual([wrong.ok, wrong.reason], [false, 'WrongCredentials']);
    [good, wrong].forEach(assertNoSecret);
  });

  it('says an upstream that does not answer is unreachable', async () => {
    const port = await freePort();
    const r = await probeRegistry({ url: `http://127.0.0.1:${port}` });
    assert.deepEqual([r.ok, r.reason], [false, 'Unreachable']);
    assert.match(r.message, new RegExp(`cannot reach 127.0.0.1:${port}: .*ECONNREFUSED`));
  });
});
