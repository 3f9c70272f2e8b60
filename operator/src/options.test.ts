import assert from 'node:assert/strict';
import { parseOptions, UsageError } from './options.ts';

describe('operator options', () => {
  it('defaults: all namespaces, leader election on, health on :8080, the proxy image at the operator version', () => {
    const o = parseOptions([], { POD_NAMESPACE: 'berth' });
    assert.equal(o.watchNamespace, undefined);
    assert.equal(o.operatorNamespace, 'berth');
    assert.equal(o.leaseNamespace, 'berth');
    assert.equal(o.leaderElect, true);
    assert.equal(o.healthPort, 8080);
    assert.equal(o.proxyImage, 'ghcr.io/berth-dev/berth-proxy:0.1.0');
  });

  it('reads every flag', () => {
    const o = parseOptions(['--kubeconfig', '/k', '--namespace', 'team', '--leader-elect=false', '--health-addr', '127.0.0.1:0',
      '--leader-election-lease-seconds', '4', '--leader-election-renew-seconds', '1', '--identity', 'me', '--resync-seconds', '30'], {});
    assert.deepEqual([o.kubeconfig, o.watchNamespace, o.leaderElect, o.healthHost, o.healthPort, o.leaseSeconds, o.renewSeconds, o.identity, o.resyncSeconds],
      ['/k', 'team', false, '127.0.0.1', 0, 4, 1, 'me', 30]);
  });

  it('reads where proxies answer for an operator outside the cluster, and refuses a malformed entry', () => {
    const o = parseOptions(['--proxy-url', 'team/hub=http://127.0.0.1:5000/', '--proxy-url=team/quay=https://cache.example'], {});
    assert.deepEqual([...o.proxyUrls], [['team/hub', 'http://127.0.0.1:5000'], ['team/quay', 'https://cache.example']]);
    assert.equal(parseOptions([], {}).proxyUrls.size, 0);
    assert.throws(() => parseOptions(['--proxy-url', 'hub=http://x'], {}), (e: Error) => e instanceof UsageError && /--proxy-url must be NAMESPACE\/NAME=/.test(e.message));
  });

  it('reads the namespaces allowed to mirror onto nodes: none by default, repeated or comma-separated', () => {
    assert.deepEqual(parseOptions([], {}).nodeMirrorNamespaces, []);
    assert.deepEqual(parseOptions(['--node-mirror-namespace', 'platform', '--node-mirror-namespace=a,b'], {}).nodeMirrorNamespaces, ['platform', 'a', 'b']);
    assert.throws(() => parseOptions(['--node-mirror-namespace', 'Bad_NS'], {}), (e: Error) => e instanceof UsageError && /--node-mirror-namespace/.test(e.message));
  });

  it('refuses bad values with the flag name', () => {
    assert.throws(() => parseOptions(['--health-addr', 'nope'], {}), (e: Error) => e instanceof UsageError && /--health-addr/.test(e.message));
    assert.throws(() => parseOptions(['--leader-election-renew-seconds', '20'], {}), /less than/);
    assert.throws(() => parseOptions(['--bogus'], {}), UsageError);
  });

  it('serves the pod image webhook on :9443 by default, with the chart\'s names; off turns it off', () => {
    assert.deepEqual(parseOptions([], {}).webhook, {
      host: '0.0.0.0', port: 9443, serviceName: 'berth-webhook', secretName: 'berth-webhook-tls', configName: 'berth-pod-image-rewrite', extraNames: [], externalCertificates: false,
    });
    assert.equal(parseOptions(['--webhook-addr=off'], {}).webhook, undefined);
    const o = parseOptions(['--webhook-addr=127.0.0.1:0', '--webhook-config=', '--webhook-cert-name=127.0.0.1,localhost', '--webhook-certificates=external'], {});
    assert.deepEqual([o.webhook?.port, o.webhook?.configName, o.webhook?.extraNames, o.webhook?.externalCertificates], [0, undefined, ['127.0.0.1', 'localhost'], true]);
    assert.throws(() => parseOptions(['--webhook-certificates=manual'], {}), (e: Error) => e instanceof UsageError && /--webhook-certificates/.test(e.message));
    assert.throws(() => parseOptions(['--webhook-secret=Bad_Name'], {}), (e: Error) => e instanceof UsageError && /--webhook-secret/.test(e.message));
  });

  it('reads the pull secrets and pod settings of proxy and node agent pods, and refuses a malformed one with its flag', () => {
    const none = parseOptions([], {});
    assert.deepEqual([none.proxyPod, none.nodeAgentPod], [{}, {}]);
    const o = parseOptions(['--image-pull-secret', 'a', '--image-pull-secret=b,c', '--proxy-pod', '{"nodeSelector":{"pool":"x"},"resources":{"requests":{"cpu":"1","memory":256}}}',
      '--node-agent-pod={"priorityClassName":"system-node-critical","tolerations":[]}'], {});
    assert.deepEqual(o.proxyPod, { imagePullSecrets: ['a', 'b', 'c'], nodeSelector: { pool: 'x' }, resources: { requests: { cpu: '1', memory: '256' } } });
    assert.deepEqual(o.nodeAgentPod, { imagePullSecrets: ['a', 'b', 'c'], priorityClassName: 'system-node-critical', tolerations: [] });
    const refused = (args: string[], pattern: RegExp) => assert.throws(() => parseOptions(args, {}), (e: Error) => e instanceof UsageError && pattern.test(e.message));
    refused(['--proxy-pod', '{nope'], /--proxy-pod must be a JSON object/);
    refused(['--proxy-pod', '[]'], /--proxy-pod must be a JSON object/);
    refused(['--node-agent-pod', '{"nodeSelecter":{}}'], /--node-agent-pod: unknown key\(s\) nodeSelecter/);
    refused(['--proxy-pod', '{"nodeSelector":{"pool":1}}'], /--proxy-pod nodeSelector.pool must be a string/);
    refused(['--proxy-pod', '{"priorityClassName":"Not Valid"}'], /priorityClassName must name a PriorityClass/);
    refused(['--proxy-pod', '{"resources":{"request":{}}}'], /resources must have only requests and limits/);
    refused(['--image-pull-secret', 'Bad_Name'], /--image-pull-secret must name a Secret/);
  });

  it('takes host folders for the node agent to read (a containerd imports folder elsewhere), never for the proxy (issue 17)', () => {
    const o = parseOptions(['--node-agent-pod={"extraHostPaths":["/opt/containerd-conf","/opt/containerd-conf","/var/lib/x"]}'], {});
    assert.deepEqual(o.nodeAgentPod, { extraHostPaths: ['/opt/containerd-conf', '/var/lib/x'] });
    const refused = (args: string[], pattern: RegExp) => assert.throws(() => parseOptions(args, {}), (e: Error) => e instanceof UsageError && pattern.test(e.message));
    refused(['--proxy-pod={"extraHostPaths":["/etc/x"]}'], /--proxy-pod: unknown key\(s\) extraHostPaths/);
    for (const bad of ['"etc/x"', '"/"', '"/a/../etc/shadow"', '"/a/"', '"/a//b"', '1']) {
      refused([`--node-agent-pod={"extraHostPaths":[${bad}]}`], /extraHostPaths must be a list of absolute host folders/);
    }
  });
});
