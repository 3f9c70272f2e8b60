import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { clusterLayout, type Binaries } from './layout.ts';
import {
  certsDFiles,
  cniConflist,
  containerdConfig,
  guardRules,
  kubeletConfig,
  kubeProxyConfig,
  nodeComponents,
  nodePaths,
  realNodeContainerd,
  registryConfig,
} from './realnode.ts';

const layout = clusterLayout('/state');
const p = nodePaths(layout);
const bins = { kubelet: '/b/kubelet', kubeProxy: '/b/kube-proxy', pause: '/b/pause' } as Binaries;

describe('real node configuration', () => {
  it('gives containerd the CRI with runc on cgroupfs, its own paths, and /etc/containerd/certs.d', () => {
    const toml = containerdConfig(p);
    assert.match(toml, /^root = "\/state\/node\/containerd\/root"$/m);
    assert.match(toml, /^state = "\/state\/node\/containerd\/state"$/m);
    assert.match(toml, /^ {2}address = "\/state\/node\/containerd\/containerd.sock"$/m);
    assert.match(toml, /SystemdCgroup = false/);
    assert.match(toml, /restrict_oom_score_adj = true/);
    assert.match(toml, /sandbox_image = "127\.0\.0\.1:5000\/berth\/pause:1"/);
    assert.match(toml, /config_path = "\/etc\/containerd\/certs\.d"/);
    assert.match(toml, /conf_dir = "\/state\/node\/cni\/net\.d"/);
    assert.match(toml, /Root = "\/state\/node\/containerd\/runc"/);
    assert.doesNotMatch(toml, /disabled_plugins = \[[^\]]*grpc\.v1\.cri/);
  });

  it('gives a containerd 2.x the same settings in a version-3 file, under the sections 2.x reads them from', () => {
    const toml = containerdConfig(p, 3);
    assert.match(toml, /^version = 3$/m);
    // every setting once, and only in the section 2.x reads it from: a 1.x name would be ignored silently
    const sectionOf = (key: string): string[] => {
      const found: string[] = [];
      let section = '';
      for (const line of toml.split('\n')) {
        const header = /^\[(.+)\]$/.exec(line);
        if (header) section = header[1] as string;
        else if (line.trim().startsWith(`${key} =`)) found.push(section);
      }
      return found;
    };
    const runtime = 'plugins."io.containerd.cri.v1.runtime"';
    const images = 'plugins."io.containerd.cri.v1.images"';
    assert.deepEqual(sectionOf('restrict_oom_score_adj'), [runtime]);
    assert.deepEqual(sectionOf('SystemdCgroup'), [`${runtime}.containerd.runtimes.runc.options`]);
    assert.deepEqual(sectionOf('bin_dirs'), [`${runtime}.cni`]);
    assert.deepEqual(sectionOf('snapshotter'), [images]);
    assert.deepEqual(sectionOf('sandbox'), [`${images}.pinned_images`]);
    assert.deepEqual(sectionOf('config_path'), [`${images}.registry`]);
    assert.deepEqual(sectionOf('stream_server_address'), ['plugins."io.containerd.grpc.v1.cri"']);
    assert.deepEqual(sectionOf('disable'), ['plugins."io.containerd.nri.v1.nri"']);
    assert.doesNotMatch(toml, /sandbox_image/);
  });

  it('runs Debian\'s containerd by default, or a release the bed builds with its own shim first on PATH', () => {
    const pins = { CONTAINERD_1_7_VERSION: 'v1.7.35', CONTAINERD_2_1_VERSION: 'v2.1.9' };
    assert.deepEqual(realNodeContainerd(undefined, pins, '/c'), { version: 'system', command: '/usr/bin/containerd', configVersion: 2 });
    assert.deepEqual(realNodeContainerd('system', pins, '/c').command, '/usr/bin/containerd');
    const two = realNodeContainerd('2.1', pins, '/c');
    assert.deepEqual(two, { version: 'v2.1.9', command: '/c/bin/containerd-v2.1.9/containerd', binDir: '/c/bin/containerd-v2.1.9', configVersion: 3 });
    assert.equal(realNodeContainerd('v1.7', pins, '/c').configVersion, 2);
    assert.throws(() => realNodeContainerd('2.0', pins, '/c'), /no containerd "2.0" in the bed: choose system or one of 1.7, 2.1/);
    const containerd = nodeComponents(layout, bins, two).find((c) => c.name === 'containerd')!;
    assert.equal(containerd.command, '/c/bin/containerd-v2.1.9/containerd');
    assert.match(containerd.env?.PATH ?? '', /^\/c\/bin\/containerd-v2\.1\.9:/);
    assert.equal(nodeComponents(layout, bins).find((c) => c.name === 'containerd')!.env, undefined);
  });

  it('points the cluster registry at plain http and every other registry at a closed local port', () => {
    const files = certsDFiles();
    assert.match(files['127.0.0.1:5000/hosts.toml']!, /^server = "http:\/\/127\.0\.0\.1:5000"$/m);
    assert.match(files['127.0.0.1:5000/hosts.toml']!, /\[host\."http:\/\/127\.0\.0\.1:5000"\]/);
    assert.equal(files['_default/hosts.toml']!.trim(), 'server = "http://127.0.0.1:1"');
  });

  it('makes a bridge network from a /24 of 10.88.0.0/16 without masquerade', () => {
    const conf = JSON.parse(cniConflist(p)) as { plugins: { type: string; bridge?: string; ipMasq?: boolean; ipam?: { ranges: { subnet: string }[][]; dataDir: string } }[] };
    assert.deepEqual(conf.plugins.map((x) => x.type), ['bridge', 'portmap']);
    assert.equal(conf.plugins[0]!.bridge, 'berth0');
    assert.equal(conf.plugins[0]!.ipMasq, false);
    assert.equal(conf.plugins[0]!.ipam!.ranges[0]![0]!.subnet, '10.88.0.0/24');
    assert.equal(conf.plugins[0]!.ipam!.dataDir, '/state/node/cni/ipam');
  });

  it('runs the kubelet on loopback with webhook authn/z, its serving cert and a loopback-only resolv.conf', () => {
    const c = parse(kubeletConfig(layout, p)) as Record<string, unknown>;
    assert.equal(c.address, '127.0.0.1');
    assert.equal(c.healthzBindAddress, '127.0.0.1');
    assert.equal(c.readOnlyPort, 0);
    assert.deepEqual(c.authentication, { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: '/state/pki/ca.crt' } });
    assert.deepEqual(c.authorization, { mode: 'Webhook' });
    assert.equal(c.tlsCertFile, '/state/pki/kubelet-serving.crt');
    assert.equal(c.cgroupDriver, 'cgroupfs');
    assert.equal(c.failCgroupV1, false);
    assert.equal(c.resolvConf, '/state/node/resolv.conf');
    assert.equal(c.containerRuntimeEndpoint, 'unix:///state/node/containerd/containerd.sock');
    assert.equal(c.volumePluginDir, '/state/node/volume-plugins');
  });

  it('names the node by its IP literal and labels it, without --node-ip', () => {
    const kubelet = nodeComponents(layout, bins).find((c) => c.name === 'kubelet')!;
    assert.ok(kubelet.args.includes('--hostname-override=127.0.0.1'));
    assert.ok(kubelet.args.includes('--node-labels=berth.dev/node=real'));
    assert.ok(kubelet.args.includes('--root-dir=/state/node/kubelet'));
    assert.ok(!kubelet.args.some((a) => a.startsWith('--node-ip')));
    assert.deepEqual(nodeComponents(layout, bins).map((c) => c.name), ['registry', 'containerd', 'kube-proxy', 'kubelet']);
  });

  it('runs kube-proxy in iptables mode on loopback, leaving conntrack and route_localnet alone', () => {
    const c = parse(kubeProxyConfig(layout)) as Record<string, unknown>;
    assert.equal(c.mode, 'iptables');
    assert.equal(c.clusterCIDR, '10.88.0.0/16');
    assert.equal(c.healthzBindAddress, '127.0.0.1:10256');
    assert.equal(c.metricsBindAddress, '127.0.0.1:10249');
    assert.deepEqual(c.iptables, { localhostNodePorts: false });
    assert.deepEqual(c.conntrack, { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' });
  });

  it('serves the cluster registry on the fixed loopback port from the cluster dir', () => {
    const c = parse(registryConfig(layout)) as { http: { addr: string }; storage: { filesystem: { rootdirectory: string } } };
    assert.equal(c.http.addr, '127.0.0.1:5000');
    assert.equal(c.storage.filesystem.rootdirectory, '/state/registry');
  });

  it('guards the uplinks in mangle: no forwarding out, no pod or Service address out, nothing in to them or the apiserver', () => {
    const g = guardRules({ v4: ['eth0'], v6: ['eth0'] }, [6443]);
    const v4 = g.v4.map((r) => r.join(' '));
    assert.ok(v4.includes('-t mangle -A BERTH-GUARD-FORWARD -o eth0 -j DROP'));
    assert.ok(v4.includes('-t mangle -I FORWARD 1 -j BERTH-GUARD-FORWARD'));
    assert.ok(v4.includes('-t mangle -A BERTH-GUARD-POSTROUTING -o eth0 -d 10.88.0.0/16 -j DROP'));
    assert.ok(v4.includes('-t mangle -A BERTH-GUARD-POSTROUTING -o eth0 -d 10.96.0.0/16 -j DROP'));
    assert.ok(v4.includes('-t mangle -I POSTROUTING 1 -j BERTH-GUARD-POSTROUTING'));
    assert.ok(v4.includes('-t mangle -A BERTH-GUARD-PREROUTING -i eth0 -d 10.88.0.0/16 -j DROP'));
    assert.ok(v4.includes('-t mangle -A BERTH-GUARD-PREROUTING -i eth0 -p tcp --dport 6443 -j DROP'));
    assert.ok(v4.includes('-t mangle -I PREROUTING 1 -j BERTH-GUARD-PREROUTING'));
    assert.ok(!v4.some((r) => / filter | OUTPUT /.test(r)));
    assert.deepEqual(g.v6.map((r) => r.join(' ')), [
      '-t mangle -N BERTH-GUARD-FORWARD',
      '-t mangle -A BERTH-GUARD-FORWARD -o eth0 -j DROP',
      '-t mangle -I FORWARD 1 -j BERTH-GUARD-FORWARD',
      '-t mangle -N BERTH-GUARD-PREROUTING',
      '-t mangle -A BERTH-GUARD-PREROUTING -i eth0 -p tcp --dport 6443 -j DROP',
      '-t mangle -I PREROUTING 1 -j BERTH-GUARD-PREROUTING',
    ]);
  });
});
