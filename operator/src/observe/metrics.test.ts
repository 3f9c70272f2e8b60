import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { OperatorMetrics } from './metrics.ts';

describe('operator metrics', () => {
  it('reports each mirroring project\'s node figures at scrape time, and forgets projects that are gone', async () => {
    const metrics = new OperatorMetrics();
    let figures = [{ namespace: 'caches', project: 'hub', configured: 1, total: 2 }];
    metrics.nodeMirrorSource = () => figures;
    const first = await metrics.registry.metrics();
    assert.match(first, /berth_operator_node_mirror_nodes\{namespace="caches",project="hub",state="configured"\} 1/);
    assert.match(first, /berth_operator_node_mirror_nodes\{namespace="caches",project="hub",state="total"\} 2/);
    figures = [];
    const second = await metrics.registry.metrics();
    assert.doesNotMatch(second, /project="hub"/);
  });

  it("exports berth_operator_build_info with the operator package's version", async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const text = await new OperatorMetrics().registry.metrics();
    assert.match(text, new RegExp(`berth_operator_build_info\\{version="${version.replaceAll('.', '\\.')}",nodejs="v24\\.`));
  });
});
