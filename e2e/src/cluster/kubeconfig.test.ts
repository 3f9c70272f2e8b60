import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { renderKubeconfig } from './kubeconfig.ts';

describe('kubeconfig', () => {
  it('renders a client-certificate user', () => {
    const kc = parse(renderKubeconfig({ server: 'https://127.0.0.1:6443', caFile: '/p/ca.crt', userName: 'admin', user: { clientCertificate: '/p/a.crt', clientKey: '/p/a.key' } }));
    assert.equal(kc['current-context'], 'admin');
    assert.deepEqual(kc.clusters[0].cluster, { server: 'https://127.0.0.1:6443', 'certificate-authority': '/p/ca.crt' });
    assert.deepEqual(kc.users[0], { name: 'admin', user: { 'client-certificate': '/p/a.crt', 'client-key': '/p/a.key' } });
    assert.deepEqual(kc.contexts[0].context, { cluster: 'berth-local', user: 'admin' });
  });

  it('renders a token user with a default namespace', () => {
    const kc = parse(renderKubeconfig({ server: 'https://127.0.0.1:6443', caFile: '/p/ca.crt', userName: 'ns:sa', user: { token: 'T' }, namespace: 'ns' }));
    assert.deepEqual(kc.users[0].user, { token: 'T' });
    assert.equal(kc.contexts[0].context.namespace, 'ns');
  });
});
