import assert from 'node:assert/strict';
import { HttpMethod, RequestContext } from '@kubernetes/client-node';
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

const call = () => new RequestContext('https://127.0.0.1:6443/api/v1/secrets', HttpMethod.GET);

describe('KeepAliveKubeConfig', () => {
  it('sends every call through one kept connection pool, with the kubeconfig\'s own settings still applied', async () => {
    const kc = config();
    const [first, second] = [call(), call()];
    await kc.applySecurityAuthentication(first);
    await kc.applySecurityAuthentication(second);
    assert.ok(first.getDispatcher(), 'a dispatcher with the kubeconfig\'s CA');
    assert.equal(second.getDispatcher(), first.getDispatcher());
    assert.equal(second.getHeaders().Authorization, 'Bearer a-token');
    await kc.close();
  });

  it('keeps one pool per kubeconfig: another KubeConfig has its own', async () => {
    const [a, b] = [config(), config()];
    const [first, second] = [call(), call()];
    await a.applySecurityAuthentication(first);
    await b.applySecurityAuthentication(second);
    assert.notEqual(second.getDispatcher(), first.getDispatcher());
    await Promise.all([a.close(), b.close()]);
  });
});
