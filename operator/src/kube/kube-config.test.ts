import assert from 'node:assert/strict';
import { KeepAliveKubeConfig } from './kube-config.ts';

function config(): KeepAliveKubeConfig {
  const kc = new KeepAliveKubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', caData: Buffer.from('not a real CA').toString('base64') }],
    users: [{ name: 'u', token: 'a-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

describe('KeepAliveKubeConfig', () => {
  it('asks request for kept-alive connections, with the kubeconfig\'s own settings still applied', async () => {
    const opts: Record<string, unknown> = { uri: 'https://127.0.0.1:6443/api/v1/secrets' };
    await config().applyToRequest(opts as never);
    assert.equal(opts.forever, true);
    assert.equal((opts.headers as Record<string, string>).Authorization, 'Bearer a-token');
    assert.equal(String(opts.ca), 'not a real CA');
  });

  it('leaves a watch (pool: false) on a connection of its own', async () => {
    const opts: Record<string, unknown> = { pool: false };
    await config().applyToRequest(opts as never);
    assert.equal(opts.forever, undefined);
  });
});
