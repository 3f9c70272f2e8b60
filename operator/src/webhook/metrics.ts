// The webhook's Prometheus metrics, in the operator's registry (one /metrics): per project what it rewrote, what
// it left and why, and the checks that failed; per request how it went and how long it took; the certificate's
// expiry, for an alert before the apiserver stops trusting it.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export class WebhookMetrics {
  readonly rewritten: Counter<'namespace' | 'project' | 'mode'>;
  readonly skipped: Counter<'namespace' | 'project' | 'reason'>;
  readonly checkFailures: Counter<'namespace' | 'project'>;
  readonly requests: Counter<'outcome'>;
  readonly requestSeconds: Histogram;
  readonly certificateExpiry: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.rewritten = new Counter({ name: 'berth_operator_pod_images_rewritten_total', help: 'Container images rewritten to a cache (mode Rewrite) or that would have been (mode Audit), by project', labelNames: ['namespace', 'project', 'mode'], registers });
    this.skipped = new Counter({ name: 'berth_operator_pod_images_skipped_total', help: "Images of a project's registry left as they were, by reason (NotMatched, Excluded, CheckFailed, AlreadyOnCache, PullPolicyNever)", labelNames: ['namespace', 'project', 'reason'], registers });
    this.checkFailures = new Counter({ name: 'berth_operator_pod_image_check_failures_total', help: 'checkUpstream questions the cache could not answer with the manifest, by project', labelNames: ['namespace', 'project'], registers });
    this.requests = new Counter({ name: 'berth_operator_webhook_requests_total', help: 'Admission requests by outcome (patched, unchanged, invalid, error)', labelNames: ['outcome'], registers });
    this.requestSeconds = new Histogram({ name: 'berth_operator_webhook_request_duration_seconds', help: 'Time to answer an admission request', buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5], registers });
    this.certificateExpiry = new Gauge({ name: 'berth_operator_webhook_certificate_expiry_timestamp_seconds', help: "When the webhook's serving certificate expires (Unix time)", registers });
  }
}
