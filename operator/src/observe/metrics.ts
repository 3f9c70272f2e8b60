// The operator's Prometheus metrics, in one registry owned by the process (no global default registry).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { operatorVersion } from '../options.ts';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({ name: 'berth_operator_reconcile_total', help: 'Reconcile runs by kind and outcome', labelNames: ['kind', 'outcome'], registers: [this.registry] });
  readonly reconcileSeconds = new Histogram({ name: 'berth_operator_reconcile_duration_seconds', help: 'Reconcile run time by kind', labelNames: ['kind'], buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15], registers: [this.registry] });
  readonly queueDepth = new Gauge({ name: 'berth_operator_workqueue_depth', help: 'Keys waiting in the work queue', registers: [this.registry] });
  readonly watchRestarts = new Counter({ name: 'berth_operator_watch_restarts_total', help: 'Watches restarted after an error, by resource', labelNames: ['resource'], registers: [this.registry] });
  /** Each mirroring project's node figures, read at scrape time so that deleted projects drop out. */
  nodeMirrorSource: () => Iterable<{ namespace: string; project: string; configured: number; total: number }> = () => [];
  // Read by the chart's "node mirror not applied" alert: configured < total for a project.
  readonly nodeMirrorNodes: Gauge = new Gauge({
    name: 'berth_operator_node_mirror_nodes',
    help: 'Nodes of a mirroring project, by state (configured, total)',
    labelNames: ['namespace', 'project', 'state'],
    registers: [this.registry],
    collect: () => {
      this.nodeMirrorNodes.reset();
      for (const { namespace, project, configured, total } of this.nodeMirrorSource()) {
        this.nodeMirrorNodes.set({ namespace, project, state: 'configured' }, configured);
        this.nodeMirrorNodes.set({ namespace, project, state: 'total' }, total);
      }
    },
  });
  readonly leader = new Gauge({ name: 'berth_operator_leader', help: '1 while this replica holds the leader Lease', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'berth_operator_' });
    new Gauge({ name: 'berth_operator_build_info', help: 'Always 1; the operator version and Node.js version as labels', labelNames: ['version', 'nodejs'], registers: [this.registry] })
      .set({ version: operatorVersion(), nodejs: process.version }, 1);
  }
}
