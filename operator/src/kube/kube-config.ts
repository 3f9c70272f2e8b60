// The operator's KubeConfig: client-node 0.22.3's, with keep-alive connections to the apiserver.
// client-node sends every call through `request`, which, unless told `forever`, gives each call its own TLS
// connection; with the kubeconfig's CA each one also builds a fresh TLS context. Reconciling 200 projects is
// thousands of calls, and those contexts and sockets live in native memory until V8 happens to collect their
// wrappers: measured, most of the operator's RSS above its heap (operator/test/operator-memory.ts).
// `forever` reuses a few kept-alive connections instead. Watches ask for `pool: false` (a connection of their own,
// held open for the watch) and keep it.
import { KubeConfig } from '@kubernetes/client-node';

interface RequestOptions {
  pool?: unknown;
  forever?: boolean;
}

export class KeepAliveKubeConfig extends KubeConfig {
  override async applyToRequest(opts: Parameters<KubeConfig['applyToRequest']>[0]): Promise<void> {
    await super.applyToRequest(opts);
    const options = opts as RequestOptions;
    if (options.pool !== false) options.forever = true;
  }
}
