// The Helm chart, end to end: lint, render + kubeconform -strict against schemas generated here (built-in kinds
// from the local apiserver's /openapi/v2, Berth's from crds/, hand-written ones for Prometheus Operator kinds),
// one source for the CRDs, versions in step, RBAC in step with the operator's own manifest. The install itself —
// Berth's images, `helm install --wait` on the real node, the operator reconciling with its ServiceAccount's
// RBAC — is e2e/test/install.test.ts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { repoRoot, tempDir, useCluster, type Cluster, type TempDir } from '../src/index.ts';
import { chartTools, offlineKubeVersion, type ChartTools } from '../src/chart/tools.ts';
import { kubeconform } from '../src/chart/kubeconform.ts';
import { parseManifests, prepareSchemas } from '../src/chart/prepare-schemas.ts';
import { normalizeRules, rulesOfKind } from '../src/chart/rbac.ts';
import { exportedMetricNames } from '../src/chart/exported-metrics.ts';
import { changesOf } from '../src/chart/changelog.ts';

const exec = promisify(execFile);
const root = repoRoot();
const chartDir = join(root, 'charts', 'berth');
const readJson = <T>(path: string): T => JSON.parse(readFileSync(join(root, path), 'utf8')) as T;

/** NetworkPolicy peers for networkPolicy.metricsFrom (--set-json): a Prometheus in the monitoring namespace. */
const metricsFrom = JSON.stringify([
  { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } },
]);

describe('Helm chart charts/berth @real', function () {
  this.timeout(600_000);
  let tools: ChartTools;
  let work: TempDir;
  // template and lint check the chart's kubeVersion against the version given here (no cluster is asked)
  const helm = async (args: string[]): Promise<string> => {
    const offline = ['template', 'lint'].includes(args[0] ?? '') && !args.includes('--kube-version') ? offlineKubeVersion() : [];
    return (await exec(tools.helm, [...args, ...offline], { maxBuffer: 64 * 1024 * 1024 })).stdout;
  };

  before(async () => {
    tools = chartTools();
    work = await tempDir('berth-chart');
  });
  after(async () => work?.remove());

  it('passes helm lint --strict with the defaults and with every option on', async () => {
    await helm(['lint', '--strict', chartDir]);
    await helm(['lint', '--strict', chartDir, '--set', 'serviceMonitor.enabled=true,prometheusRule.enabled=true,operator.replicas=2,operator.watchNamespace=team-a', '--set', 'nodeMirror.allowedNamespaces={platform}']);
    await helm(['lint', '--strict', chartDir, '--set', 'networkPolicy.enabled=true', '--set', 'networkPolicy.apiServer.cidrs={10.0.0.1/32}', '--set-json', `networkPolicy.metricsFrom=${metricsFrom}`]);
  });

  it('refuses values the schema does not know', async () => {
    await assert.rejects(helm(['template', 'x', chartDir, '--set', 'operator.replica=2']), /additional properties|replica/i);
    await assert.rejects(helm(['template', 'x', chartDir, '--set', 'operator.logLevel=loud']), /logLevel/);
  });

  it('takes its CRDs from crds/ (a symlink: one source of truth) and packages them', async () => {
    const link = join(chartDir, 'crds');
    assert.ok(lstatSync(link).isSymbolicLink(), 'charts/berth/crds must be a symlink to ../../crds');
    assert.equal(realpathSync(link), realpathSync(join(root, 'crds')));
    const rendered = parseManifests(await helm(['template', 'x', chartDir, '--include-crds'])).filter((d) => d.kind === 'CustomResourceDefinition');
    const files = ['proxycacheprojects.berth.dev.yaml', 'registryendpoints.berth.dev.yaml'].map((f) => parse(readFileSync(join(root, 'crds', f), 'utf8')) as unknown);
    assert.deepEqual(sortByName(rendered), sortByName(files as Record<string, unknown>[]));
    await helm(['package', chartDir, '--destination', work.path]);
    const { stdout } = await exec('tar', ['-tzf', join(work.path, 'berth-0.1.0.tgz')]);
    for (const f of ['berth/crds/proxycacheprojects.berth.dev.yaml', 'berth/crds/registryendpoints.berth.dev.yaml']) assert.ok(stdout.includes(f), `${f} not in the package`);
  });

  it("uses one version for the chart's appVersion, both packages and both images", async () => {
    const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { appVersion: string; version: string };
    const operatorVersion = readJson<{ version: string }>('operator/package.json').version;
    assert.equal(chart.appVersion, operatorVersion);
    assert.equal(readJson<{ version: string }>('proxy/package.json').version, operatorVersion);
    const deployment = parseManifests(await helm(['template', 'x', chartDir])).find((d) => d.kind === 'Deployment') as unknown as DeploymentDoc;
    const container = deployment.spec.template.spec.containers[0];
    assert.equal(container?.image, `ghcr.io/berth-dev/berth-operator:${operatorVersion}`);
    assert.ok(container?.args.includes(`--proxy-image=ghcr.io/berth-dev/berth-proxy:${operatorVersion}`), container?.args.join(' '));
    const operatorDefault = await operatorDefaultProxyImage();
    assert.equal(operatorDefault, `ghcr.io/berth-dev/berth-proxy:${operatorVersion}`, "the operator's built-in default proxy image");
  });

  it('grants exactly the rules of operator/config/rbac.yaml (read through a symlink)', async () => {
    const manifest = join(root, 'operator', 'config', 'rbac.yaml');
    assert.ok(existsSync(manifest), 'operator/config/rbac.yaml (the operator\'s own RBAC) is missing');
    const theirs = parseManifests(readFileSync(manifest, 'utf8'));
    const ours = parseManifests(await helm(['template', 'x', chartDir]));
    const named = (docs: Record<string, unknown>[], kind: string, match: (name: string) => boolean) =>
      normalizeRules(rulesOfKind(docs.filter((d) => match(String((d.metadata as { name?: string }).name))), kind));
    const isAgent = (n: string) => n.endsWith('node-agent');
    const operatorRoles = (n: string) => n === 'berth-operator' || n === 'berth-operator-secrets';
    assert.deepEqual(named(ours, 'ClusterRole', (n) => !isAgent(n)), named(theirs, 'ClusterRole', operatorRoles));
    assert.deepEqual(named(ours, 'Role', (n) => !isAgent(n)), named(theirs, 'Role', (n) => n === 'berth-operator-leader-election' || n === 'berth-operator-webhook'));
    assert.deepEqual(named(ours, 'Role', isAgent), named(theirs, 'Role', (n) => n === 'berth-node-agent'));
  });

  it('with operator.watchNamespace, grants Secret reads by a Role in that namespace only, never cluster-wide', async () => {
    const theirs = parseManifests(readFileSync(join(root, 'operator', 'config', 'rbac.yaml'), 'utf8'));
    const secretRules = normalizeRules(rulesOfKind(theirs.filter((d) => (d.metadata as { name?: string }).name === 'berth-operator-secrets'), 'ClusterRole'));
    assert.deepEqual(secretRules, ['core secrets get', 'core secrets list', 'core secrets watch']);
    const ours = parseManifests(await helm(['template', 'x', chartDir, '-n', 'berth-system', '--set', 'operator.watchNamespace=team-a']));
    const clusterWide = normalizeRules(rulesOfKind(ours, 'ClusterRole'));
    assert.deepEqual(clusterWide.filter((g) => g.startsWith('core secrets')), [], 'a ClusterRole still grants Secrets');
    const inTeam = ours.filter((d) => (d.metadata as { namespace?: string }).namespace === 'team-a');
    assert.deepEqual(normalizeRules(rulesOfKind(inTeam, 'Role')), secretRules);
    const binding = inTeam.find((d) => d.kind === 'RoleBinding') as { subjects: { name: string; namespace: string }[] } | undefined;
    assert.deepEqual(binding?.subjects.map((s) => `${s.namespace}/${s.name}`), ['berth-system/x-berth']);
    // the rest of the operator's ClusterRole is unchanged by the value
    const defaults = parseManifests(await helm(['template', 'x', chartDir, '-n', 'berth-system']));
    assert.deepEqual(clusterWide, normalizeRules(rulesOfKind(defaults, 'ClusterRole')).filter((g) => !g.startsWith('core secrets')));
  });

  it('passes nodeMirror.allowedNamespaces to the operator, one flag each', async () => {
    const deployment = parseManifests(await helm(['template', 'x', chartDir, '--set', 'nodeMirror.allowedNamespaces={platform,berth-caches}'])).find((d) => d.kind === 'Deployment') as unknown as DeploymentDoc;
    const args = deployment.spec.template.spec.containers[0]?.args ?? [];
    assert.deepEqual(args.filter((a) => a.startsWith('--node-mirror-namespace')), ['--node-mirror-namespace=platform', '--node-mirror-namespace=berth-caches']);
    await assert.rejects(helm(['template', 'x', chartDir, '--set', 'nodeMirror.allowedNamespaces={Not_A_Namespace}']), /allowedNamespaces/);
  });

  it('renders no NetworkPolicy by default, and with networkPolicy.enabled one for the operator\'s pod with its ports', async () => {
    assert.deepEqual(parseManifests(await helm(['template', 'x', chartDir])).filter((d) => d.kind === 'NetworkPolicy'), []);
    const docs = parseManifests(await helm(['template', 'x', chartDir, '-n', 'berth-system', '--set', 'networkPolicy.enabled=true,metrics.port=9090']));
    const policies = docs.filter((d) => d.kind === 'NetworkPolicy') as unknown as NetworkPolicyDoc[];
    assert.equal(policies.length, 1);
    const policy = policies[0] as NetworkPolicyDoc;
    const deployment = docs.find((d) => d.kind === 'Deployment') as unknown as DeploymentDoc;
    assert.deepEqual(policy.spec.podSelector, { matchLabels: deployment.spec.selector.matchLabels }, "the policy selects the operator's pods");
    assert.deepEqual(policy.spec.policyTypes, ['Ingress', 'Egress']);
    // ingress: the pod image webhook's port from anywhere (the apiserver has no selectable address); nothing else by
    // default (kubelet probes are not subject to policies); the metrics port only when peers are named
    const webhookIngress = { ports: [{ protocol: 'TCP', port: 9443 }] };
    assert.deepEqual(policy.spec.ingress, [webhookIngress]);
    const named = parseManifests(await helm(['template', 'x', chartDir, '--set', 'networkPolicy.enabled=true,metrics.port=9090', '--set-json', `networkPolicy.metricsFrom=${metricsFrom}`]))
      .find((d) => d.kind === 'NetworkPolicy') as unknown as NetworkPolicyDoc;
    assert.deepEqual(named.spec.ingress, [{ from: JSON.parse(metricsFrom) as unknown, ports: [{ protocol: 'TCP', port: 9090 }] }, webhookIngress]);
    assert.deepEqual(deployment.spec.template.spec.containers[0]?.ports, [{ name: 'metrics', containerPort: 9090, protocol: 'TCP' }, { name: 'webhook', containerPort: 9443, protocol: 'TCP' }]);
    const noWebhook = parseManifests(await helm(['template', 'x', chartDir, '--set', 'networkPolicy.enabled=true,webhook.enabled=false']))
      .find((d) => d.kind === 'NetworkPolicy') as unknown as NetworkPolicyDoc;
    assert.deepEqual(noWebhook.spec.ingress, []);
    // egress: the API (any address unless cidrs are set), the proxies on the operator's PROXY_PORT, upstreams, DNS
    const egress = policy.spec.egress.map((r) => ({ to: r.to ?? [], ports: r.ports.map((p) => `${p.protocol}/${p.port}`).sort() }));
    assert.deepEqual(egress[0], { to: [], ports: ['TCP/443', 'TCP/6443'] });
    const proxyPort = await operatorProxyPort();
    assert.deepEqual(egress[1], { to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'berth-proxy' } } }], ports: [`TCP/${proxyPort}`] });
    assert.deepEqual(egress[2], { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: ['TCP/443', 'TCP/80'] });
    assert.deepEqual(egress[3], {
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: ['TCP/53', 'UDP/53'],
    });
    assert.equal(egress.length, 4);
    const closed = parseManifests(await helm(['template', 'x', chartDir, '--set', 'networkPolicy.enabled=true', '--set', 'networkPolicy.apiServer.cidrs={10.0.0.1/32}']))
      .find((d) => d.kind === 'NetworkPolicy') as unknown as NetworkPolicyDoc;
    assert.deepEqual(closed.spec.egress[0]?.to, [{ ipBlock: { cidr: '10.0.0.1/32' } }]);
    await assert.rejects(helm(['template', 'x', chartDir, '--set', 'networkPolicy.enabled=true', '--set-json', 'networkPolicy.metricsFrom=[{"podSelecter":{}}]']), /metricsFrom|podSelecter/);
  });

  it('renders the pod image webhook: never blocking, no side effects, reinvoked, served by the operator\'s Service; nothing when off', async () => {
    const docs = parseManifests(await helm(['template', 'x', chartDir, '-n', 'berth-system', '--set', 'webhook.timeoutSeconds=3', '--set', 'webhook.excludeNamespaces={monitoring}']));
    const config = docs.find((d) => d.kind === 'MutatingWebhookConfiguration') as unknown as WebhookConfigDoc;
    assert.equal(config.metadata.name, 'berth-pod-image-rewrite', 'the name operator/config/rbac.yaml lets the operator patch');
    const [hook] = config.webhooks;
    assert.deepEqual([hook?.failurePolicy, hook?.sideEffects, hook?.reinvocationPolicy, hook?.timeoutSeconds, hook?.admissionReviewVersions], ['Ignore', 'None', 'IfNeeded', 3, ['v1']]);
    assert.deepEqual(hook?.rules, [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods', 'pods/ephemeralcontainers'], scope: 'Namespaced' }]);
    assert.deepEqual(hook?.namespaceSelector.matchExpressions[0]?.values, ['kube-system', 'berth-system', 'monitoring']);
    assert.deepEqual(hook?.clientConfig.service, { name: 'x-berth-webhook', namespace: 'berth-system', path: '/mutate-pods', port: 443 });
    const service = docs.find((d) => d.kind === 'Service' && (d.metadata as { name: string }).name === 'x-berth-webhook') as unknown as { spec: { ports: { port: number; targetPort: string }[] } };
    assert.deepEqual(service.spec.ports.map((p) => `${p.port}->${p.targetPort}`), ['443->webhook']);
    const deployment = docs.find((d) => d.kind === 'Deployment') as unknown as DeploymentDoc;
    const args = deployment.spec.template.spec.containers[0]?.args ?? [];
    assert.deepEqual(args.filter((a) => a.startsWith('--webhook')), ['--webhook-addr=0.0.0.0:9443', '--webhook-service=x-berth-webhook', '--webhook-certificates=operator']);
    const off = parseManifests(await helm(['template', 'x', chartDir, '--set', 'webhook.enabled=false']));
    assert.deepEqual(off.filter((d) => d.kind === 'MutatingWebhookConfiguration' || (d.kind === 'Role' && String((d.metadata as { name: string }).name).endsWith('-webhook'))), []);
    assert.ok(((off.find((d) => d.kind === 'Deployment') as unknown as DeploymentDoc).spec.template.spec.containers[0]?.args ?? []).includes('--webhook-addr=off'));
    await assert.rejects(helm(['template', 'x', chartDir, '--set', 'webhook.certificates=manual']), /certificates/);
  });

  it('takes global.imageRegistry and global.imagePullSecrets for every image and pod, and passes the pod settings the operator accepts', async () => {
    const docs = parseManifests(await helm(['template', 'x', chartDir,
      '--set', 'global.imageRegistry=registry.example.com/mirror', '--set', 'global.imagePullSecrets={shared}',
      '--set-json', 'operator.imagePullSecrets=[{"name":"operator-only"},{"name":"shared"}]', '--set', 'proxy.imagePullSecrets={proxies-only}',
      '--set', 'proxy.nodeSelector.disk=ssd', '--set', 'proxy.resources.requests.cpu=250m', '--set', 'proxy.priorityClassName=cache',
      '--set', 'nodeAgent.priorityClassName=system-node-critical', '--set-json', 'nodeAgent.tolerations=[{"key":"gpu","operator":"Exists"}]',
      '--set', 'nodeAgent.extraHostPaths={/opt/containerd-conf}']));
    const pod = (docs.find((d) => d.kind === 'Deployment') as unknown as DeploymentDoc).spec.template.spec;
    const container = pod.containers[0];
    assert.equal(container?.image, 'registry.example.com/mirror/berth-dev/berth-operator:0.1.0', 'the registry host replaced');
    assert.deepEqual(pod.imagePullSecrets, [{ name: 'shared' }, { name: 'operator-only' }], 'global first, each once');
    const options = await operatorOptions(container?.args ?? []);
    assert.equal(options.proxyImage, 'registry.example.com/mirror/berth-dev/berth-proxy:0.1.0');
    assert.deepEqual(options.proxyPod, { imagePullSecrets: ['shared', 'proxies-only'], nodeSelector: { disk: 'ssd' }, resources: { requests: { cpu: '250m' } }, priorityClassName: 'cache' });
    assert.deepEqual(options.nodeAgentPod, {
      imagePullSecrets: ['shared', 'proxies-only'], priorityClassName: 'system-node-critical', tolerations: [{ key: 'gpu', operator: 'Exists' }], extraHostPaths: ['/opt/containerd-conf'],
    });
    // a repository without a registry host gets the registry in front; by default nothing changes and no pod flag is passed
    const bare = (parseManifests(await helm(['template', 'x', chartDir, '--set', 'global.imageRegistry=mirror.local:5000', '--set', 'operator.image.repository=berth-operator']))
      .find((d) => d.kind === 'Deployment') as unknown as DeploymentDoc).spec.template.spec.containers[0];
    assert.equal(bare?.image, 'mirror.local:5000/berth-operator:0.1.0');
    const plain = (parseManifests(await helm(['template', 'x', chartDir])).find((d) => d.kind === 'Deployment') as unknown as DeploymentDoc).spec.template.spec;
    assert.deepEqual(plain.containers[0]?.args.filter((a) => /^--(proxy-pod|node-agent-pod|image-pull-secret)/.test(a)), []);
    assert.equal(plain.imagePullSecrets, undefined);
    await assert.rejects(helm(['template', 'x', chartDir, '--set', 'nodeAgent.priorityClass=x']), /priorityClass/);
    await assert.rejects(helm(['template', 'x', chartDir, '--set', 'nodeAgent.extraHostPaths={etc/x}']), /extraHostPaths/);
  });

  it('renders as a subchart: a parent\'s global values (Berth\'s and its own) pass the schema and apply', async () => {
    const parent = join(work.path, 'parent');
    mkdirSync(join(parent, 'charts'), { recursive: true });
    // a copy, symlinks (crds/, files/operator-rbac.yaml) resolved, as `helm dependency build` would package it
    cpSync(chartDir, join(parent, 'charts', 'berth'), { recursive: true, dereference: true });
    writeFileSync(join(parent, 'Chart.yaml'), 'apiVersion: v2\nname: platform\nversion: 1.0.0\ndependencies:\n  - name: berth\n    version: 0.1.0\n');
    writeFileSync(join(parent, 'values.yaml'), [
      'global:',
      '  imageRegistry: registry.example.com',
      '  imagePullSecrets: [{ name: platform-pull }]',
      '  storageClass: fast  # a key of the parent\'s, not Berth\'s',
      'berth:',
      '  operator: { replicas: 2 }',
      '',
    ].join('\n'));
    await helm(['lint', '--strict', parent]);
    const docs = parseManifests(await helm(['template', 'platform', parent, '-n', 'platform']));
    const deployment = docs.find((d) => d.kind === 'Deployment') as unknown as DeploymentDoc;
    assert.equal(deployment.spec.template.spec.containers[0]?.image, 'registry.example.com/berth-dev/berth-operator:0.1.0');
    assert.deepEqual(deployment.spec.template.spec.imagePullSecrets, [{ name: 'platform-pull' }]);
    assert.ok(deployment.spec.template.spec.containers[0]?.args.includes('--image-pull-secret=platform-pull'));
    assert.equal(docs.filter((d) => d.kind === 'PodDisruptionBudget').length, 1, 'the subchart\'s values apply');
  });

  it('keeps an operator PodDisruptionBudget only with several replicas, selecting the operator\'s pods', async () => {
    assert.deepEqual(parseManifests(await helm(['template', 'x', chartDir])).filter((d) => d.kind === 'PodDisruptionBudget'), []);
    const docs = parseManifests(await helm(['template', 'x', chartDir, '--set', 'operator.replicas=3']));
    const pdb = docs.find((d) => d.kind === 'PodDisruptionBudget') as unknown as { spec: { minAvailable: number; selector: unknown } };
    const deployment = docs.find((d) => d.kind === 'Deployment') as unknown as DeploymentDoc;
    assert.deepEqual(pdb.spec, { minAvailable: 1, selector: { matchLabels: deployment.spec.selector.matchLabels } });
  });

  it('says what ArtifactHub and Helm read: kubeVersion, an icon in the repository, the images, CRDs and an example that exist', async () => {
    const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { kubeVersion: string; icon: string; annotations: Record<string, string> };
    assert.equal(chart.kubeVersion, '>=1.30.0-0', 'the version docs/operations.md requires (CEL quantity functions)');
    assert.ok(readFileSync(join(root, 'docs', 'operations.md'), 'utf8').includes('Kubernetes 1.30 or later'));
    await assert.rejects(helm(['template', 'x', chartDir, '--kube-version', '1.29.0']), /kubeVersion|incompatible/i);
    const icon = /^https:\/\/raw\.githubusercontent\.com\/berth-dev\/berth\/main\/(.+)$/.exec(chart.icon)?.[1];
    assert.ok(icon && readFileSync(join(root, icon), 'utf8').includes('<svg'), `icon ${chart.icon} is not a file of this repository`);
    const notes = chart.annotations;
    const images = parse(notes['artifacthub.io/images'] ?? '') as { image: string }[];
    const deployment = parseManifests(await helm(['template', 'x', chartDir])).find((d) => d.kind === 'Deployment') as unknown as DeploymentDoc;
    const container = deployment.spec.template.spec.containers[0];
    assert.deepEqual(images.map((i) => i.image).sort(), [container?.image, container?.args.find((a) => a.startsWith('--proxy-image='))?.slice('--proxy-image='.length)].sort());
    const crds = ['proxycacheprojects.berth.dev.yaml', 'registryendpoints.berth.dev.yaml'].map((f) => parse(readFileSync(join(root, 'crds', f), 'utf8')) as CrdDoc);
    const listed = parse(notes['artifacthub.io/crds'] ?? '') as { kind: string; version: string; name: string }[];
    assert.deepEqual(listed.map((c) => `${c.name} ${c.kind} ${c.version}`).sort(), crds.map((c) => `${c.metadata.name} ${c.spec.names.kind} ${c.spec.versions[0]?.name}`).sort());
    const example = parseAllDocuments(readFileSync(join(root, 'examples', 'caches', 'docker-hub.yaml'), 'utf8')).map((d) => d.toJSON() as unknown);
    assert.deepEqual(parse(notes['artifacthub.io/crdsExamples'] ?? ''), example, 'crdsExamples are examples/caches/docker-hub.yaml');
    for (const link of parse(notes['artifacthub.io/links'] ?? '') as { url: string }[]) {
      const path = /^https:\/\/github\.com\/berth-dev\/berth\/(?:tree|blob)\/main\/(.+)$/.exec(link.url)?.[1];
      assert.ok(path && existsSync(join(root, path)), `link ${link.url} names no file of this repository`);
    }
  });

  it("lists in artifacthub.io/changes exactly CHANGELOG.md's entries for the chart's version", () => {
    const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { version: string; annotations: Record<string, string> };
    const changes = parse(chart.annotations['artifacthub.io/changes'] ?? '') as unknown;
    assert.deepEqual(changes, changesOf(readFileSync(join(root, 'CHANGELOG.md'), 'utf8'), chart.version));
  });

  describe('on the local control plane', () => {
    // The install itself, with Berth's images on the real node, is e2e/test/install.test.ts.
    let cluster: Cluster;

    before(async () => {
      cluster = await useCluster();
    });

    it('alerts and charts only metrics that exist: scraped from a real proxy and operator, or standard ones', async () => {
      const exported = await exportedMetricNames(cluster);
      const rendered = parseManifests(await helm(['template', 'x', chartDir, '--set', 'prometheusRule.enabled=true,grafanaDashboard.enabled=true']));
      const rule = rendered.find((d) => d.kind === 'PrometheusRule') as unknown as PrometheusRuleDoc;
      const alertExprs = rule.spec.groups.flatMap((g) => g.rules.map((r) => r.expr));
      const dashboardMap = rendered.find((d) => d.kind === 'ConfigMap' && (d as { metadata: { name: string } }).metadata.name.endsWith('-dashboard')) as unknown as { data: Record<string, string> };
      const dashboard = JSON.parse(dashboardMap.data['berth.json']!) as GrafanaDashboard;
      const panelExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
      const variableQueries = dashboard.templating.list.flatMap((v) => (typeof v.query === 'object' ? [v.query.query] : []));
      assert.ok(alertExprs.length >= 4 && panelExprs.length >= 20, `${alertExprs.length} alerts, ${panelExprs.length} panel queries`);
      const standard = (n: string) => n === 'up' || n.startsWith('kubelet_');
      for (const [what, exprs] of [['alerts', alertExprs], ['dashboard', [...panelExprs, ...variableQueries]]] as const) {
        const used = new Set(exprs.flatMap((e) => e.match(/\b[a-z_:][a-z0-9_:]*(?=\{|\[|\)|,|\s*$)/g) ?? []).filter((n) => /^(berth_|up$|kubelet_)/.test(n)));
        assert.ok(used.size > 0, `no metric found in the ${what}`);
        assert.deepEqual([...used].filter((n) => !standard(n) && !exported.has(n)), [], `metrics the ${what} use that neither process exports`);
      }
    });

    it('renders manifests that kubeconform -strict accepts (defaults and every option on)', async () => {
      const sets = ['serviceMonitor.enabled=true,prometheusRule.enabled=true,grafanaDashboard.enabled=true,operator.replicas=2,networkPolicy.enabled=true,global.imageRegistry=registry.example.com,global.imagePullSecrets={pull}'];
      const networkPolicy = ['--set', 'networkPolicy.apiServer.cidrs={10.88.0.1/32}', '--set-json', `networkPolicy.metricsFrom=${metricsFrom}`];
      const streams = [
        await helm(['template', 'x', chartDir, '-n', 'berth-system']),
        await helm(['template', 'x', chartDir, '-n', 'berth-system', '--set', sets.join(','), ...networkPolicy]),
        await helm(['template', 'x', chartDir, '-n', 'berth-system', '--set', 'networkPolicy.enabled=true']),
      ];
      const docs = streams.flatMap(parseManifests);
      const schemaDir = join(work.path, 'schemas');
      await prepareSchemas(schemaDir, await cluster.kubectl(['get', '--raw', '/openapi/v2']), docs);
      for (const stream of streams) {
        const result = await kubeconform(tools.kubeconform, schemaDir, stream);
        assert.deepEqual(result.problems, []);
        assert.ok(result.valid >= 6, `only ${result.valid} resources validated`);
      }
      assert.ok(streams.slice(1).every((s) => parseManifests(s).some((d) => d.kind === 'NetworkPolicy')), 'the NetworkPolicy was not validated');
      // the same schemas refuse a misspelt field: the check is strict, not vacuous
      const broken = streams[0]?.replace('serviceAccountName:', 'serviceAcountName:') ?? '';
      assert.notDeepEqual((await kubeconform(tools.kubeconform, schemaDir, broken)).problems, []);
      const brokenPolicy = streams[2]?.replace('policyTypes:', 'policyTipes:') ?? '';
      assert.notDeepEqual((await kubeconform(tools.kubeconform, schemaDir, brokenPolicy)).problems, [], 'a misspelt NetworkPolicy field passed');
    });
  });
});

interface CrdDoc {
  metadata: { name: string };
  spec: { names: { kind: string }; versions: { name: string }[] };
}

/** What the operator makes of the arguments the chart gives it: its own parser, imported by path. */
async function operatorOptions(args: string[]): Promise<{ proxyImage: string; proxyPod: unknown; nodeAgentPod: unknown }> {
  const { parseOptions } = (await import(pathToFileURL(join(root, 'operator', 'src', 'options.ts')).href)) as {
    parseOptions(argv: string[], env: NodeJS.ProcessEnv): { proxyImage: string; proxyPod: unknown; nodeAgentPod: unknown };
  };
  return parseOptions(args, {});
}

interface GrafanaDashboard {
  panels: { targets?: { expr: string }[] }[];
  templating: { list: { query?: string | { query: string } }[] };
}

interface PrometheusRuleDoc {
  spec: { groups: { rules: { expr: string }[] }[] };
}

interface DeploymentDoc {
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: { spec: { imagePullSecrets?: { name: string }[]; containers: { image: string; args: string[]; ports?: unknown[] }[] } };
  };
}

interface NetworkPolicyDoc {
  spec: {
    podSelector: unknown;
    policyTypes: string[];
    ingress: unknown[];
    egress: { to?: unknown[]; ports: { protocol: string; port: number }[] }[];
  };
}

/** The port the operator gives every cache's proxy container (PROXY_PORT), which the NetworkPolicy allows. */
async function operatorProxyPort(): Promise<number> {
  const { PROXY_PORT } = (await import(pathToFileURL(join(root, 'operator', 'src', 'children', 'names.ts')).href)) as { PROXY_PORT: number };
  return PROXY_PORT;
}

function sortByName(docs: Record<string, unknown>[]): Record<string, unknown>[] {
  const name = (d: Record<string, unknown>) => String((d.metadata as { name?: string } | undefined)?.name);
  return [...docs].sort((a, b) => name(a).localeCompare(name(b)));
}

/** The proxy image the operator uses when neither a flag nor a project names one: its own option defaults. */
async function operatorDefaultProxyImage(): Promise<string> {
  // e2e cannot depend on @berth/operator (it is the other way round): import the module by path
  const { parseOptions } = (await import(pathToFileURL(join(root, 'operator', 'src', 'options.ts')).href)) as {
    parseOptions(argv: string[], env: NodeJS.ProcessEnv): { proxyImage: string };
  };
  return parseOptions([], {}).proxyImage;
}

interface WebhookConfigDoc {
  metadata: { name: string };
  webhooks: {
    failurePolicy: string; sideEffects: string; reinvocationPolicy: string; timeoutSeconds: number; admissionReviewVersions: string[];
    rules: unknown[]; namespaceSelector: { matchExpressions: { values: string[] }[] }; clientConfig: { service: unknown };
  }[];
}
