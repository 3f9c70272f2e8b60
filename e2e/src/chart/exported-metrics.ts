// The metric names Berth's processes really export: a real proxy and a real operator (host processes, from the
// sources) are started and their /metrics read, so that the chart's alerts and dashboard are checked against what
// a Prometheus would scrape, not against names found in the code. Histograms count with their _bucket, _sum and
// _count series.
import { join } from 'node:path';
import type { Cluster } from '../cluster/index.ts';
import { startProxy } from '../proxy/proxy.ts';
import { startDaemon } from '../testbed/daemon.ts';
import { freePort } from '../testbed/ports.ts';
import { tempDir } from '../testbed/temp.ts';
import { waitFor } from '../testbed/wait.ts';
import { createTestCa } from '../tls/test-ca.ts';
import { operatorCommand } from './operator-process.ts';

/** Names in a Prometheus text exposition, from its `# TYPE` lines. */
export function metricNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const m of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram' || type === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

/** Every name the proxy and the operator export (the operator runs against `cluster` without leader election). */
export async function exportedMetricNames(cluster: Cluster): Promise<Set<string>> {
  const work = await tempDir('berth-metrics');
  const [proxyPort, tlsPort, operatorPort, ca] = await Promise.all([freePort(), freePort(), freePort(), createTestCa()]);
  // With HTTPS on, so that the certificate metrics (registered only when the proxy serves TLS) are there too.
  const served = await ca.issue('metrics', ['IP:127.0.0.1']);
  const proxy = await startProxy({ args: [
    '--listen', `127.0.0.1:${proxyPort}`, '--storage', join(work.path, 'store'), '--upstream', 'docker.io=http://127.0.0.1:9',
    '--tls-listen', `127.0.0.1:${tlsPort}`, '--tls-cert', served.cert, '--tls-key', served.key,
  ] });
  const operator = startDaemon({
    name: 'berth-operator (metrics)',
    logFile: join(work.path, 'operator.log'),
    ...operatorCommand({ kubeconfig: cluster.kubeconfig, namespace: 'default', metricsPort: operatorPort, extraArgs: ['--leader-elect=false'] }),
  });
  try {
    const operatorUrl = `http://127.0.0.1:${operatorPort}/metrics`;
    const scrape = async (url: string) => {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      return response.ok ? await response.text() : undefined;
    };
    const [fromProxy, fromOperator] = await Promise.all([
      waitFor(() => scrape(`${proxy.url}/metrics`), { what: 'the proxy /metrics', timeoutMs: 60_000 }),
      waitFor(() => scrape(operatorUrl), { what: 'the operator /metrics', timeoutMs: 60_000, abort: () => operator.exitReason() }),
    ]);
    return new Set([...metricNames(fromProxy), ...metricNames(fromOperator)]);
  } finally {
    await Promise.all([proxy.stop(), operator.stop()]);
    await Promise.all([work.remove(), ca.dispose()]);
  }
}
