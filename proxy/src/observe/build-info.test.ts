import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { proxyVersion } from './build-info.ts';
import { ProxyMetrics } from './metrics.ts';

describe('build info', () => {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

  it("is the proxy package's version", () => {
    assert.equal(proxyVersion(), version);
  });

  it('is exported as berth_proxy_build_info beside the process metrics', async () => {
    const text = await new ProxyMetrics([]).registry.metrics();
    assert.match(text, new RegExp(`berth_proxy_build_info\\{version="${version.replaceAll('.', '\\.')}",nodejs="v24\\.`));
    assert.match(text, /berth_proxy_process_resident_memory_bytes \d+/);
    assert.match(text, /berth_proxy_process_open_fds \d+/);
  });
});
