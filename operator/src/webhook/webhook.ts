// The pod image webhook as the operator runs it, in every replica (not only the leader: the apiserver calls any
// ready pod behind the Service). Its own watch caches of projects, their Services and namespaces (labels only)
// answer each admission without an apiserver round trip; the certificate keeper, the status reporter and the
// HTTPS server are the rest.
import type { KubeConfig, KubernetesObject, V1Service } from '@kubernetes/client-node';
import { isIP } from 'node:net';
import type { Registry } from 'prom-client';
import { API_VERSION, PROXY_CACHE_PROJECT, type ProxyCacheProject } from '../api/index.ts';
import { childName, MANAGED_BY } from '../children/names.ts';
import { operatorProxyUrl } from '../children/proxy-url.ts';
import { ResilientInformer, type WatchSpec } from '../kube/informer.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import type { Logger } from '../observe/logger.ts';
import { NODE_MIRROR_ALLOWED, NODE_MIRROR_LABEL } from '../nodemirror/tenancy.ts';
import { AdmissionReviewError, admissionResponse, parsePodAdmission } from './admission.ts';
import { CertKeeper } from './cert-keeper.ts';
import { DEFAULT_CERT_POLICY, type CertPolicy } from './cert-plan.ts';
import { kubeCaBundleTarget, kubeProjectStatusStore, kubeTlsSecretStore } from './kube-adapters.ts';
import { WebhookMetrics } from './metrics.ts';
import { mutatePod, type Recorder } from './mutate.ts';
import { resolveRule, type RewriteRule, type RuleProblem } from './rules.ts';
import { BadReviewError, startWebhookServer, type WebhookServer } from './server.ts';
import { StatusReporter, type ProjectView } from './status-reporter.ts';
import { UpstreamChecker, type UpstreamCheckerOptions } from './upstream-check.ts';

export interface PodImageWebhookOptions {
  kc: KubeConfig;
  kube: KubeClient;
  log: Logger;
  registry: Registry;
  operatorNamespace: string;
  /** Projects of this namespace only (the operator's --namespace); every namespace when undefined. */
  watchNamespace?: string;
  host: string;
  port: number;
  /** The Secret (in the operator's namespace) that holds the certificate every replica serves. */
  secretName: string;
  /** The Service the apiserver calls: its DNS names go into the certificate. */
  serviceName: string;
  /** The MutatingWebhookConfiguration whose caBundle the operator writes; undefined: someone else does. */
  configName?: string;
  /** More names and IPs for the certificate (an operator outside the cluster: 127.0.0.1). */
  extraNames?: readonly string[];
  /** cert-manager writes the Secret (and its cainjector the caBundle): only load it. */
  externalCertificates?: boolean;
  proxyUrls?: ReadonlyMap<string, string>;
  /** Namespaces trusted to serve the cluster besides those labelled berth.dev/node-mirror=allowed. */
  clusterServingNamespaces?: readonly string[];
  certPolicy?: Partial<Omit<CertPolicy, 'dnsNames' | 'ips'>>;
  certSyncMs?: number;
  statusFlushMs?: number;
  check?: UpstreamCheckerOptions;
}

export class PodImageWebhook {
  private readonly informers: ResilientInformer<KubernetesObject>[] = [];
  private readonly projects: ResilientInformer<ProxyCacheProject & KubernetesObject>;
  private readonly services: ResilientInformer<V1Service>;
  private readonly namespaces: ResilientInformer<KubernetesObject>;
  private readonly keeper: CertKeeper;
  private readonly reporter: StatusReporter;
  private readonly checker: UpstreamChecker;
  private readonly metrics: WebhookMetrics;
  private server: WebhookServer | undefined;
  private pendingCertificate: { cert: string; key: string } | undefined;
  private resolved: { rules: RewriteRule[]; problems: RuleProblem[] } | undefined;
  private stopped = false;

  constructor(private readonly options: PodImageWebhookOptions) {
    const { kc, log } = options;
    this.metrics = new WebhookMetrics(options.registry);
    const watch = <T extends KubernetesObject>(spec: WatchSpec): ResilientInformer<T> => {
      // Any change may change a rule: resolve them again at the next admission.
      const informer = new ResilientInformer<T>(kc, spec, { log: log.child({ component: 'webhook' }), onChange: () => { this.resolved = undefined; } });
      this.informers.push(informer as unknown as ResilientInformer<KubernetesObject>);
      return informer;
    };
    this.projects = watch({ apiVersion: API_VERSION, kind: PROXY_CACHE_PROJECT.kind, plural: PROXY_CACHE_PROJECT.plural, namespace: options.watchNamespace });
    this.services = watch({ apiVersion: 'v1', kind: 'Service', plural: 'services', namespace: options.watchNamespace, labelSelector: `app.kubernetes.io/managed-by=${MANAGED_BY}` });
    this.namespaces = watch({ apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', cache: 'metadata' });
    this.checker = new UpstreamChecker(options.check);

    const ns = options.operatorNamespace;
    const svc = options.serviceName;
    const extra = options.extraNames ?? [];
    this.keeper = new CertKeeper({
      store: kubeTlsSecretStore(kc, ns, options.secretName),
      ...(options.externalCertificates ? {} : {
        issue: {
          policy: {
            ...DEFAULT_CERT_POLICY,
            ...options.certPolicy,
            dnsNames: [svc, `${svc}.${ns}`, `${svc}.${ns}.svc`, `${svc}.${ns}.svc.cluster.local`, ...extra.filter((n) => !isIP(n))],
            ips: extra.filter((n) => isIP(n) !== 0),
          },
          ...(options.configName ? { caBundle: kubeCaBundleTarget(kc, options.configName) } : {}),
        },
      }),
      load: (pair) => {
        this.pendingCertificate = pair;
        this.server?.setCertificate(pair);
      },
      onExpiry: (ms) => this.metrics.certificateExpiry.set(ms / 1000),
      log,
      ...(options.certSyncMs ? { syncMs: options.certSyncMs } : {}),
    });
    this.reporter = new StatusReporter({ store: kubeProjectStatusStore(kc), views: () => this.views(), log, ...(options.statusFlushMs ? { flushMs: options.statusFlushMs } : {}) });
  }

  /** Ready to be called: watches listed, a certificate served. */
  get ready(): boolean {
    return this.server !== undefined && this.keeper.ready && this.informers.every((i) => i.hasSynced);
  }

  get port(): number | undefined {
    return this.server?.port;
  }

  /** Resolves once serving; the first certificate is retried with backoff (the Secret may not be writable yet). */
  async start(): Promise<void> {
    this.stopped = false;
    await Promise.all(this.informers.map((i) => i.start()));
    for (let delay = 1_000; ; delay = Math.min(delay * 2, 30_000)) {
      if (this.stopped) return;
      try {
        await this.keeper.start();
        break;
      } catch (error) {
        this.options.log.warn('no webhook certificate yet; retrying', { error: (error as Error).message, retryInMs: delay });
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
    if (this.stopped) return;
    this.server = await startWebhookServer({ host: this.options.host, port: this.options.port, certificate: this.pendingCertificate!, handle: (body) => this.handle(body), log: this.options.log });
    this.reporter.start();
    this.options.log.info('pod image webhook serving', { port: this.server.port });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.keeper.stop();
    await this.server?.close();
    this.server = undefined;
    await this.reporter.stop();
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  /** One AdmissionReview in, one out. */
  async handle(body: unknown): Promise<object> {
    const started = process.hrtime.bigint();
    let outcome = 'unchanged';
    try {
      let review;
      try {
        review = parsePodAdmission(body);
      } catch (error) {
        if (error instanceof AdmissionReviewError) {
          outcome = 'invalid';
          throw new BadReviewError(error.message);
        }
        throw error;
      }
      const result = await mutatePod(review, {
        rules: () => this.rules().rules,
        namespaceLabels: (name) => this.namespaces.get(name)?.metadata?.labels,
        check: (request) => this.checker.check(request),
        record: this.recorder(),
        protectedNamespaces: new Set([this.options.operatorNamespace, 'kube-system']),
      });
      if (result.patch.length > 0) outcome = 'patched';
      return admissionResponse(review.uid, result.patch, result.warnings);
    } catch (error) {
      if (outcome !== 'invalid') outcome = 'error';
      throw error;
    } finally {
      this.metrics.requests.inc({ outcome });
      this.metrics.requestSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  private rules(): { rules: RewriteRule[]; problems: RuleProblem[] } {
    if (this.resolved) return this.resolved;
    const listed = new Set(this.options.clusterServingNamespaces ?? []);
    const rules: RewriteRule[] = [];
    const problems: RuleProblem[] = [];
    for (const project of this.projects.list()) {
      const namespace = project.metadata?.namespace ?? '';
      const service = this.services.get(childName(project), namespace);
      const labels = this.namespaces.get(namespace)?.metadata?.labels ?? {};
      const servesCluster = listed.has(namespace) || labels[NODE_MIRROR_LABEL] === NODE_MIRROR_ALLOWED;
      const rule = resolveRule({ project, service, checkUrl: operatorProxyUrl(project, service, this.options.proxyUrls), servesCluster });
      if (!rule) continue;
      if ('message' in rule) problems.push(rule);
      else rules.push(rule);
    }
    this.resolved = { rules, problems };
    return this.resolved;
  }

  private *views(): Iterable<ProjectView> {
    const { rules, problems } = this.rules();
    for (const r of rules) yield { namespace: r.project.metadata.namespace ?? '', name: r.project.metadata.name ?? '', address: r.address, mode: r.mode, ...seen(r.project) };
    for (const p of problems) yield { namespace: p.project.metadata.namespace ?? '', name: p.project.metadata.name ?? '', message: p.message, ...seen(p.project) };
  }

  private recorder(): Recorder {
    const labels = (rule: RewriteRule) => ({ namespace: rule.project.metadata.namespace ?? '', project: rule.project.metadata.name ?? '' });
    return {
      rewritten: (rule, mode) => {
        this.metrics.rewritten.inc({ ...labels(rule), mode });
        this.reporter.count(rule.key, mode === 'Audit' ? 'audited' : 'rewritten');
      },
      skipped: (rule, reason) => {
        this.metrics.skipped.inc({ ...labels(rule), reason });
        this.reporter.count(rule.key, 'skipped');
      },
      checkFailed: (rule, image, message, pod) => {
        this.metrics.checkFailures.inc(labels(rule));
        this.reporter.count(rule.key, 'checkFailures');
        this.reporter.checkFailed(rule.key, image, message);
        const regarding = { ...rule.project, apiVersion: API_VERSION, kind: PROXY_CACHE_PROJECT.kind } as KubernetesObject;
        this.options.kube
          .event({ regarding, type: 'Warning', reason: 'ImageCheckFailed', message: `pod ${pod} keeps ${image} (not rewritten to ${rule.address}): ${message}` })
          .catch((error: unknown) => this.options.log.warn('could not record event', { project: rule.key, error: (error as Error).message }));
      },
    };
  }
}

function seen(project: ProxyCacheProject): { seen?: NonNullable<ProxyCacheProject['status']>['podImageRewrite'] } {
  const status = project.status?.podImageRewrite;
  return status ? { seen: status } : {};
}
