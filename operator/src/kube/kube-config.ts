// The operator's KubeConfig: client-node 2.x's, with one kept-alive connection pool to the apiserver.
// client-node 2.x sends every call through undici's fetch, and with TLS material in the kubeconfig (in a pod: the
// service account's CA) it makes a new undici Agent for every call (config.js, applySecurityAuthentication →
// createDispatcher, not cached as its https.Agent is): each call then gets its own TLS connection and context, which
// live in native memory until V8 collects the Agent. Reconciling 200 projects is thousands of calls: measured with
// 0.22's `request`, the same pattern was most of the operator's RSS above its heap (operator/test/operator-memory.ts).
// Here the first Agent made for a cluster and user is kept and used for every later call, watches included (an
// undici Agent opens as many connections per origin as requests in flight, so a held watch blocks no other call).
// The TLS material is read once: a kubeconfig whose client certificate rotates needs a new KubeConfig.
import { KubeConfig } from '@kubernetes/client-node';
import type { Dispatcher } from 'undici';

type RequestContext = Parameters<KubeConfig['applySecurityAuthentication']>[0];

export class KeepAliveKubeConfig extends KubeConfig {
  private readonly dispatchers = new Map<string, Dispatcher>();

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const made = context.getDispatcher() as Dispatcher | undefined;
    if (!made) return;
    const key = JSON.stringify([this.getCurrentCluster()?.name ?? '', this.getCurrentCluster()?.server ?? '', this.getCurrentUser()?.name ?? '']);
    const kept = this.dispatchers.get(key);
    if (!kept) {
      this.dispatchers.set(key, made);
      return;
    }
    context.setDispatcher(kept as never);
    // Never used: it has opened no connection; closing it lets it go at once.
    void made.close().catch(() => undefined);
  }

  /** Closes the kept connections (at shutdown). */
  async close(): Promise<void> {
    const dispatchers = [...this.dispatchers.values()];
    this.dispatchers.clear();
    await Promise.all(dispatchers.map((d) => d.close().catch(() => undefined)));
  }
}
